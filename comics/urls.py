from django.urls import path

app_name = "comics"

urlpatterns: list = []
