"""Pure mathematics from the literature, numpy only: utility, Nash bargaining, the median and mean, BDM."""
