from django.urls import path

from . import views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path("articles/<slug:slug>/feedback/", views.article_feedback, name="article_feedback"),
    path("files/<str:key>/<str:name>", views.attachment, name="attachment"),
]
