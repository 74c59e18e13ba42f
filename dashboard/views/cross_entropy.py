"""Cross-entropy with SoftMax page: the iris network, each flower's share of dCE/db3, and gradient descent on b3."""

from dashboard import one_parameter
from dashboard.examples import CE

one_parameter.page(CE)
