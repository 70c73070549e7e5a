from django.contrib.auth import views as auth_views
from django.urls import include, path

from frontend.favicon import favicon
from frontend.settings import invite, logo, setup, two_factor
from frontend.views import (
    account,
    body,
    calllog,
    canned,
    compose,
    controls,
    delivery,
    presence,
    reports,
    saved_views,
    signin,
    workspace,
)
from frontend.views.search import search_page

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/code/", signin.code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", workspace.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("agent/v/<str:view>/", workspace.view_page, name="agent_view"),
    path("agent/v/<str:view>/t/<int:ticket_id>/", workspace.ticket_page, name="agent_ticket"),
    path("agent/t/<int:ticket_id>/", workspace.permalink, name="agent_permalink"),
    path("agent/views/save/", saved_views.save_view, name="agent_save_view"),
    path("agent/views/<int:saved_id>/delete/", saved_views.delete_view, name="agent_delete_view"),
    path("agent/t/<int:ticket_id>/send/", compose.send, name="agent_send"),
    path("agent/t/<int:ticket_id>/draft/", compose.save_draft, name="agent_draft"),
    path("agent/t/<int:ticket_id>/update/", controls.update, name="agent_update"),
    path("agent/t/<int:ticket_id>/tags/", controls.tag_suggestions, name="agent_tag_suggestions"),
    path("agent/t/<int:ticket_id>/relate/", controls.relate_search, name="agent_relate_search"),
    path("agent/t/<int:ticket_id>/merge/<int:target_id>/", controls.merge, name="agent_merge"),
    path("agent/t/<int:ticket_id>/call-log/", calllog.log_call, name="agent_log_call"),
    path("agent/t/<int:ticket_id>/canned/", canned.matches, name="agent_canned"),
    path("agent/t/<int:ticket_id>/canned/<int:reply_id>/used/", canned.used, name="agent_canned_used"),
    path("agent/t/<int:ticket_id>/m/<int:message_id>/resend/", delivery.resend, name="agent_resend"),
    path("agent/t/<int:ticket_id>/m/<int:message_id>/body/", body.message_body, name="agent_message_body"),
    path("agent/reports/sla/", reports.sla_report, name="agent_sla_report"),
    path("agent/search/", search_page, name="agent_search"),
    path("agent/language/", account.set_language, name="agent_language"),
    path("agent/presence/", presence.set_presence, name="agent_presence"),
    path("agent/presence/seen/", presence.seen, name="agent_seen"),
    path("agent/two-factor/", two_factor.index, name="two_factor"),
    path("agent/two-factor/begin/", two_factor.begin, name="two_factor_begin"),
    path("agent/two-factor/confirm/", two_factor.confirm, name="two_factor_confirm"),
    path("agent/two-factor/disable/", two_factor.disable, name="two_factor_disable"),
    path("agent/settings/", include("frontend.settings.urls")),
    path("setup/", setup.setup, name="setup"),
    path("invite/<str:token>/", invite.accept, name="accept_invitation"),
    path("brand/logo", logo.logo, name="brand_logo"),
]
