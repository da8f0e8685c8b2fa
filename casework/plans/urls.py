from django.urls import path

from casework.plans import views

app_name = "plans"
urlpatterns = [
    path("cases/<uuid:pk>/goals/new/", views.goal_new, name="goal-new"),
    path("cases/<uuid:pk>/goals/<uuid:goal>/", views.goal_edit, name="goal-edit"),
    path("cases/<uuid:pk>/services/new/", views.service_new, name="service-new"),
    path("cases/<uuid:pk>/referrals/new/", views.referral_new, name="referral-new"),
    path("cases/<uuid:pk>/referrals/<uuid:referral>/status/", views.referral_status, name="referral-status"),
    path("cases/<uuid:pk>/referrals/<uuid:referral>/override/", views.referral_override, name="referral-override"),
    path("cases/<uuid:pk>/referrals/<uuid:referral>/slip/", views.referral_slip, name="referral-slip"),
    path("partners/", views.partner_list, name="partners"),
    path("partners/new/", views.partner_new, name="partner-new"),
    path("partners/<uuid:pk>/", views.partner_edit, name="partner-edit"),
]
