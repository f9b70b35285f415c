import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))  # the package from this checkout
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
