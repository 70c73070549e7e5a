from django.urls import path

from channels_chat import views

urlpatterns = [
    path("api/<str:key>/start", views.start, name="chat-start"),
    path("api/<str:key>/messages", views.messages, name="chat-messages"),
    path("api/<str:key>/contact", views.contact, name="chat-contact"),
    path("api/<str:key>/offline", views.offline, name="chat-offline"),
    path("api/<str:key>/transcript", views.transcript, name="chat-transcript"),
    path("api/<str:key>/csat", views.csat, name="chat-csat"),
    path("files/<str:token>", views.download, name="chat-file"),
]
