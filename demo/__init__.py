"""Demo and scale data: a curated set of realistic tickets (``seed``) and bulk volume (``bulk``)."""
