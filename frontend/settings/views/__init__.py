"""Views of the settings area, one module per section; each module ends with its ``urlpatterns``."""
