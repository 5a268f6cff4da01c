# References for the models that take covariates (and frequency weights) in cxlib:
#   ordinal  cxlib.analyses.loyalty.ordinal_effect   MASS::polr, weights = Freq, + sandwich HC0
#   logistic cxlib.analyses.loyalty.logistic_effect  glm(binomial), weights = Freq, + vcovHC HC3
#            on the rows expanded (frequency weights count respondents)
#   counts   cxlib.analyses.wom.count_models         glm(poisson), MASS::glm.nb,
#            pscl::zeroinfl(dist = "negbin") with covariates in both parts
#   mixed    cxlib.analyses.people.multilevel        lme4::lmer, REML; nlme::lme for the t
#            intervals (containment degrees of freedom), on Orthodont and on `few_outlets`,
#            8 synthetic outlets with an outlet-level predictor (written into the JSON)
# Data: MASS::housing (tests/reference/housing.csv, written by ordinal_housing.R),
# pscl::bioChemists (written here to bioChemists.csv), nlme::Orthodont (Orthodont.csv).
# Writes tests/reference/covariates.json. Run from the repository root:
#   Rscript tests/reference/covariates.R
# Needs: apt-get install -y r-base-core r-cran-mass r-cran-pscl r-cran-lme4 r-cran-sandwich
#        r-cran-jsonlite (nlme comes with R)
suppressMessages({library(MASS); library(pscl); library(lme4); library(sandwich)
  library(jsonlite); library(nlme)})
here <- "tests/reference"

h <- read.csv(file.path(here, "housing.csv"))
h$Sat <- factor(h$Sat, levels = c("Low", "Medium", "High"), ordered = TRUE)
h$infl <- match(h$Infl, c("Low", "Medium", "High"))
h$Type <- relevel(factor(h$Type), ref = "Tower")
h$Cont <- relevel(factor(h$Cont), ref = "Low")
ord <- polr(Sat ~ infl + Type + Cont, data = h, weights = Freq, Hess = TRUE)
# the sandwich of a weighted polr equals that of the expanded rows (identical rows, identical scores)
long <- h[rep(seq_len(nrow(h)), h$Freq), ]
ord_long <- polr(Sat ~ infl + Type + Cont, data = long, Hess = TRUE)
long$high <- as.integer(long$Sat == "High")
lg <- glm(high ~ infl + Type + Cont, family = binomial(), data = long,
          control = glm.control(epsilon = 1e-13, maxit = 100))

bc <- bioChemists
write.csv(data.frame(art = bc$art, fem = as.character(bc$fem), mar = as.character(bc$mar),
                     kid5 = bc$kid5, phd = bc$phd, ment = bc$ment),
          file.path(here, "bioChemists.csv"), row.names = FALSE)
bc$fem <- relevel(factor(bc$fem), ref = "Men")
pois <- glm(art ~ fem + kid5 + ment, family = poisson(), data = bc)
nb <- glm.nb(art ~ fem + kid5 + ment, data = bc)
zinb <- zeroinfl(art ~ fem + kid5 + ment | ment, data = bc, dist = "negbin")

o <- as.data.frame(Orthodont)
write.csv(data.frame(distance = o$distance, age = o$age, Subject = as.character(o$Subject),
                     Sex = as.character(o$Sex)), file.path(here, "Orthodont.csv"),
          row.names = FALSE)
o$Sex <- relevel(factor(as.character(o$Sex)), ref = "Male")
mixed <- lmer(distance ~ age + Sex + (1 | Subject), data = o, REML = TRUE)
# nlme: the same REML fit, with its t intervals (DF by the containment rule)
lme_t <- function(fit) {
  tt <- summary(fit)$tTable
  ci <- intervals(fit, which = "fixed")$fixed
  list(df = named(tt[, "DF"]), lower = named(ci[, "lower"]), upper = named(ci[, "upper"]),
       se = named(tt[, "Std.Error"]))
}
mixed_lme <- lme(distance ~ age + Sex, random = ~1 | Subject, data = o, method = "REML")
set.seed(20261203)
G <- 8
sizes <- sample(15:30, G, replace = TRUE)
g <- rep(seq_len(G), sizes)
staff <- round(rnorm(G, 5, 1), 2)
few <- data.frame(outlet_id = sprintf("S%d", g), employee_sat = staff[g],
                  overall_sat = round(2 + 0.4 * staff[g] + rnorm(G, sd = 0.6)[g] +
                                      rnorm(length(g)), 3))
few_lme <- lme(overall_sat ~ employee_sat, random = ~1 | outlet_id, data = few, method = "REML")

named <- function(x) as.list(x)
out <- list(
  ordinal = list(model = "polr(Sat ~ infl + Type + Cont, weights = Freq); Tower, Low reference",
                 n = sum(h$Freq), coef = named(coef(ord)), zeta = named(ord$zeta),
                 se = named(sqrt(diag(vcov(ord)))[names(coef(ord))]),
                 se_hc0 = named(sqrt(diag(sandwich(ord_long)))[names(coef(ord))])),
  logistic = list(model = "glm(Sat == High ~ infl + Type + Cont, binomial), rows expanded",
                  n = nrow(long), coef = named(coef(lg)),
                  se_hc3 = named(sqrt(diag(vcovHC(lg, type = "HC3"))))),
  counts = list(model = "art ~ fem + kid5 + ment (Men reference); zero part ~ ment",
                n = nrow(bc), poisson = named(coef(pois)), poisson_loglik = as.numeric(logLik(pois)),
                negbin = named(coef(nb)), negbin_theta = nb$theta,
                negbin_loglik = as.numeric(logLik(nb)),
                zinb_count = named(zinb$coefficients$count),
                zinb_zero = named(zinb$coefficients$zero), zinb_theta = zinb$theta,
                zinb_loglik = as.numeric(logLik(zinb))),
  mixed = list(model = "lmer(distance ~ age + Sex + (1 | Subject), REML); Male reference",
               n = nrow(o), fixef = named(fixef(mixed)),
               se = named(sqrt(diag(as.matrix(vcov(mixed))))),
               tau2 = as.numeric(VarCorr(mixed)$Subject), sigma2 = sigma(mixed)^2,
               nlme = lme_t(mixed_lme)),
  few_outlets = list(model = "lme(overall_sat ~ employee_sat, random = ~1 | outlet_id, REML)",
                     data = as.list(few), nlme = lme_t(few_lme),
                     tau2 = as.numeric(getVarCov(few_lme)), sigma2 = few_lme$sigma^2),
  R = R.version.string, MASS = as.character(packageVersion("MASS")),
  pscl = as.character(packageVersion("pscl")), lme4 = as.character(packageVersion("lme4")),
  sandwich = as.character(packageVersion("sandwich")),
  nlme = as.character(packageVersion("nlme"))
)
write_json(out, file.path(here, "covariates.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE)
