from django.urls import path

from aftersales.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="articles"),
    path("new/", views.article_create, name="article_new"),
    path("gaps/", views.gaps, name="gaps"),
    path("<int:pk>/", views.article_detail, name="article"),
    path("<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("<int:pk>/history/", views.article_history, name="history"),
    path("<int:pk>/versions/<int:number>/", views.article_diff, name="diff"),
    path("<int:pk>/versions/<int:number>/restore/", views.article_restore, name="restore"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path("documents/<int:document_id>/versions/", views.document_version_add, name="document_version_add"),
    path("documents/<int:document_id>/versions/<int:number>/", views.document_download, name="document_download"),
    path("macros/", views.macro_list, name="macros"),
    path("macros/new/", views.macro_create, name="macro_new"),
    path("macros/<int:pk>/edit/", views.macro_edit, name="macro_edit"),
    path("macros/<int:pk>/delete/", views.macro_delete, name="macro_delete"),
    path("macros/for/<str:ref>/", views.macro_choices, name="macro_choices"),
    path("macros/<int:pk>/apply/<str:ref>/", views.macro_apply, name="macro_apply"),
    path("solved/<str:ref>/", views.solution_mark, name="solution_mark"),
    path("solved/<str:ref>/remove/", views.solution_unmark, name="solution_unmark"),
]
