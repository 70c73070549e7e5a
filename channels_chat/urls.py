from django.urls import path

from channels_chat import widget_api

urlpatterns = [
    path("api/<str:key>/start", widget_api.start, name="chat-start"),
    path("api/<str:key>/messages", widget_api.messages, name="chat-messages"),
    path("api/<str:key>/contact", widget_api.contact, name="chat-contact"),
    path("api/<str:key>/offline", widget_api.offline, name="chat-offline"),
    path("api/<str:key>/transcript", widget_api.transcript, name="chat-transcript"),
    path("api/<str:key>/csat", widget_api.csat, name="chat-csat"),
    path("files/<str:token>", widget_api.download, name="chat-file"),
]
