from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("requests/<str:token>/", views.ticket_status, name="ticket_status"),
    path("agents/", views.overview, name="overview"),
    path("agents/report/", views.report, name="report"),
    path("agents/search/", views.ticket_search, name="search"),
    path("agents/customer-data/", views.customer_data, name="customer_data"),
    path("agents/regions/<slug:code>/", views.queue, name="queue"),
    path("agents/tickets/<str:reference>/", views.ticket_detail, name="ticket"),
]
