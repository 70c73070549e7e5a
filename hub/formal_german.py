"""Django REST framework's German says "du" where the hub says "Sie" (and Django's own forms
read DRF's catalogue for the two messages they share). The hub's catalogue comes first
(``LOCALE_PATHS``), so these messages are worded there formally; they are listed here so that
extracting the catalogue keeps them.
"""

from django.utils.translation import gettext_noop

FORMAL = (
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid email address."),
    gettext_noop('Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'),
    gettext_noop('Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure that there are no more than {max_digits} digits in total."),
    gettext_noop("Ensure that there are no more than {max_decimal_places} decimal places."),
    gettext_noop("Ensure that there are no more than {max_whole_digits} digits before the decimal point."),
    gettext_noop("Ensure this filename has at most {max_length} characters (it has {length})."),
)
