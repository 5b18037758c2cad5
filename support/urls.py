from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("support/", views.support_hours, name="hours"),
    path("contact/", views.contact, name="contact"),
    path("contact/answered/", views.contact_answered, name="contact_answered"),
    path("requests/<str:token>/", views.ticket_status, name="ticket_status"),
    path("requests/solved/<str:token>/", views.ticket_solved, name="ticket_solved"),
    path("how-did-we-do/<str:token>/", views.survey, name="survey"),
    path("agents/", views.overview, name="overview"),
    path("agents/live/events/", views.live_events, name="live_events"),
    path("agents/report/", views.report, name="report"),
    path("agents/search/", views.ticket_search, name="search"),
    path("agents/customer-data/", views.customer_data, name="customer_data"),
    path("agents/regions/<slug:code>/", views.queue, name="queue"),
    path("agents/tickets/<str:reference>/", views.ticket_detail, name="ticket"),
]
