# Reference for cxlib.stats.measurement.htmt: semTools::htmt (the original HTMT of Henseler,
# Ringle & Sarstedt 2015, htmt2 = FALSE) on the ECSI survey (data/real/mobi.csv).
# Run from the repository root: Rscript tests/reference/htmt.R > tests/reference/htmt.json
suppressMessages(library(semTools))  # semTools 0.5-6 (Debian r-cran-semtools)
f <- read.csv("data/real/mobi.csv")
m <- "CUSA =~ CUSA1 + CUSA2 + CUSA3
      CUSL =~ CUSL1 + CUSL2 + CUSL3
      PERQ =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7"
h <- htmt(m, f, htmt2 = FALSE)
cat(sprintf('{"semTools": "%s", "CUSA_CUSL": %.12f, "PERQ_CUSA": %.12f, "PERQ_CUSL": %.12f}\n',
            packageVersion("semTools"), h["CUSL", "CUSA"], h["PERQ", "CUSA"], h["PERQ", "CUSL"]))
