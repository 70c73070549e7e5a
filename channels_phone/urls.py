"""The phone channel's URLs: the providers' webhooks, the agents' click-to-call and the admins'
REST API for numbers.

Included by the hub at the root, so both keep the paths the providers and clients know.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from channels_phone import api, click_to_call, views

app_name = "channels_phone"

router = SimpleRouter()
router.register("api/v1/phone-numbers", api.PhoneNumberViewSet, basename="phone-number")

urlpatterns = [
    path("phone/<str:provider>/voice/", views.voice, name="voice"),
    path("phone/<str:provider>/dial/", views.dial, name="dial"),
    path("phone/<str:provider>/status/", views.status, name="status"),
    path("phone/<str:provider>/recording/", views.recording, name="recording"),
    path("phone/<str:provider>/sms/", views.sms, name="sms"),
    path("phone/<str:provider>/sms-status/", views.sms_status, name="sms-status"),
    path("phone/<str:provider>/connect/", click_to_call.connect, name="connect"),
    path("phone/<str:provider>/call-status/", click_to_call.call_status, name="call-status"),
    path("phone/tickets/<int:ticket_id>/call/", click_to_call.place, name="click-to-call"),
    *router.urls,
]
