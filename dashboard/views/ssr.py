"""Sum of squared residuals page: the dosage network, each sample's share of dSSR/db3, and gradient descent on b3."""

from dashboard import one_parameter
from dashboard.examples import SSR

one_parameter.page(SSR)
