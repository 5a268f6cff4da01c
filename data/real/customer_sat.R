# Makes customer_sat.csv from bayesm::customerSat (bayesm 3.1-5, GPL (>= 2); Debian:
# r-cran-bayesm): 1,811 business customers' ratings of a Yellow Pages advertising product,
# overall satisfaction and nine attributes, each on 1 (poor) to 10 (excellent).
#   Rscript data/real/customer_sat.R      (from the repository root)
# What it changes, and nothing else: respondent_id (the row number; the package has none) and
# the column names, from bayesm's q1 ... q10 to the wording of its documentation (?customerSat);
# every rating as the package has it.
data(customerSat, package = "bayesm")
d <- as.data.frame(customerSat)
names(d) <- c("overall_satisfaction",          # q1  Overall Satisfaction
              "competitive_prices",            # q2  Setting Competitive Prices
              "price_increases_minimal",       # q3  Holding Price Increase to a Minimum
              "pricing_for_volume",            # q4  Appropriate Pricing given Volume
              "demonstrated_effectiveness",    # q5  Demonstrating Effectiveness of Purchase
              "reach_many_customers",          # q6  Reach a Large Number of Customers
              "reach_of_advertising",          # q7  Reach of Advertising
              "long_term_exposure",            # q8  Long-term Exposure
              "distribution",                  # q9  Distribution
              "distribution_right_areas")      # q10 Distribution to Right Geographic Areas
d <- cbind(respondent_id = seq_len(nrow(d)), d)
write.csv(d, "data/real/customer_sat.csv", row.names = FALSE)
