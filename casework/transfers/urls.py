from django.urls import path

from casework.transfers import views as transfers

app_name = "transfers"
urlpatterns = [
    path("cases/<uuid:pk>/transfer/", transfers.propose, name="propose"),
    path("transfers/<uuid:pk>/", transfers.detail, name="detail"),
    path("transfers/<uuid:pk>/accept/", transfers.accept, name="accept"),
    path("transfers/<uuid:pk>/refuse/", transfers.refuse_view, name="refuse"),
    path("transfers/<uuid:pk>/withdraw/", transfers.withdraw, name="withdraw"),
]
