from django.urls import path

from channels_web import views

urlpatterns = [
    path("<slug:slug>/", views.hosted, name="webform"),
    path("<slug:slug>/embed/", views.embedded, name="webform-embed"),
]
