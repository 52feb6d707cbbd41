from django.urls import path

from abl.views import (
    audit,
    certificates,
    drilldown,
    exports,
    home,
    people,
    reviews,
    templates_download,
)
from abl.webhooks import views as webhooks

urlpatterns = [
    path("", home.home, name="home"),
    path("facilities/", home.facility_list, name="facility_list"),
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.endpoint_detail, name="webhook_endpoint"),
    path(
        "webhooks/<int:pk>/deactivate/",
        webhooks.deactivate_endpoint,
        name="deactivate_webhook_endpoint",
    ),
    path("webhooks/<int:pk>/test/", webhooks.test_endpoint, name="test_webhook_endpoint"),
    path(
        "webhooks/deliveries/<int:pk>/retry/",
        webhooks.retry_delivery,
        name="retry_webhook_delivery",
    ),
    path("facilities/<int:pk>/", home.facility_detail, name="facility_detail"),
    path("facilities/<int:pk>/report/", certificates.upload, name="upload"),
    path(
        "facilities/<int:pk>/certificates/", certificates.certificate_list, name="certificate_list"
    ),
    path(
        "facilities/<int:pk>/templates/<str:kind>.<str:fmt>",
        templates_download.collateral_template,
        name="collateral_template",
    ),
    path("certificates/<int:pk>/", certificates.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/files/", certificates.certificate_files, name="certificate_files"),
    path("certificates/<int:pk>/files/replace/", certificates.replace_file, name="replace_file"),
    path("certificates/<int:pk>/discard/", certificates.discard, name="discard_draft"),
    path(
        "certificates/<int:pk>/roll-forward/",
        certificates.save_roll_forward,
        name="save_roll_forward",
    ),
    path("certificates/<int:pk>/certify/", certificates.certify, name="certify"),
    path(
        "certificates/<int:pk>/correct/",
        certificates.correct_and_resubmit,
        name="correct_and_resubmit",
    ),
    path(
        "certificates/<int:pk>/receivables/",
        drilldown.receivables_customers,
        name="drill_customers",
    ),
    path(
        "certificates/<int:pk>/customers/<path:customer_id>/",
        drilldown.customer_invoices,
        name="drill_invoices",
    ),
    path("certificates/<int:pk>/inventory/", drilldown.inventory_items, name="drill_inventory"),
    path("certificates/<int:pk>/certificate.pdf", exports.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/export.xlsx", exports.certificate_xlsx, name="certificate_xlsx"),
    path(
        "certificates/<int:pk>/export.xlsx/prepare",
        exports.prepare_certificate_xlsx,
        name="prepare_certificate_xlsx",
    ),
    path(
        "certificates/<int:pk>/export.xlsx/status",
        exports.certificate_xlsx_status,
        name="certificate_xlsx_status",
    ),
    path(
        "certificates/<int:pk>/export/<str:table>.csv",
        exports.certificate_csv,
        name="certificate_csv",
    ),
    path("certificates/<int:pk>/reserves/", reviews.set_reserves, name="set_reserves"),
    path("certificates/<int:pk>/consent/", reviews.record_consent, name="record_consent"),
    path("certificates/<int:pk>/review/", reviews.review, name="review"),
    path("reviews/", reviews.review_queue, name="review_queue"),
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/events.csv", audit.audit_csv, name="audit_csv"),
]

# The loan: the ledger, advances and repayments (abl/views/loans.py; docs/loans.md).
from abl.views import loans  # noqa: E402

urlpatterns += [
    path("facilities/<int:pk>/loan/", loans.loan, name="loan"),
    path("facilities/<int:pk>/ledger/", loans.ledger, name="ledger"),
    path("facilities/<int:pk>/ledger/repayment/", loans.record_repayment, name="record_repayment"),
    path("facilities/<int:pk>/ledger/import/", loans.import_repayments, name="import_repayments"),
    path("advances/<int:pk>/", loans.advance_detail, name="advance_detail"),
    path("advances/<int:pk>/withdraw/", loans.withdraw_advance, name="withdraw_advance"),
]

# Ending an event of default: a cure or a waiver, proposed and confirmed (abl/views/defaults.py).
from abl.views import defaults  # noqa: E402

urlpatterns += [
    path(
        "facilities/<int:pk>/default/end/",
        defaults.propose_default_end,
        name="propose_default_end",
    ),
    path(
        "facilities/<int:pk>/default/<int:event_pk>/confirm/",
        defaults.confirm_default_end,
        name="confirm_default_end",
    ),
]

urlpatterns += [
    path("people/", people.people_list, name="people_list"),
    path("people/new/", people.create_person, name="create_person"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/role/", people.change_role, name="change_role"),
    path("people/<int:pk>/deactivate/", people.deactivate, name="deactivate_person"),
    path("people/<int:pk>/password/", people.set_password, name="set_password"),
    path(
        "people/<int:pk>/two-factor-activation/",
        people.issue_two_factor_activation,
        name="issue_two_factor_activation",
    ),
    path(
        "facilities/<int:pk>/relationship-managers/",
        people.facility_managers,
        name="facility_managers",
    ),
    path(
        "facilities/<int:pk>/relationship-managers/<int:user_pk>/remove/",
        people.remove_manager,
        name="remove_manager",
    ),
]

from abl.views import twofactor  # noqa: E402  (appended with its pages)

urlpatterns += [
    path("account/two-factor/", twofactor.two_factor, name="two_factor"),
    path("account/verify/", twofactor.verify, name="two_factor_verify"),
]

# Accounts, lockouts and sessions (abl/views/accounts.py; docs/security-logins.md).
from abl.views import accounts  # noqa: E402

urlpatterns += [
    path("account/", accounts.account, name="account"),
    path("account/sessions/end/", accounts.end_my_sessions, name="end_my_sessions"),
    path("people/lockouts/", accounts.lockout_list, name="lockout_list"),
    path("people/lockouts/unlock/", accounts.unlock, name="unlock_login"),
    path("people/<int:pk>/sessions/end/", accounts.end_person_sessions, name="end_person_sessions"),
]

from abl.views import loan_documents  # noqa: E402  (appended with its pages)

urlpatterns += [
    path("facilities/<int:pk>/checklist/", loan_documents.checklist, name="checklist"),
    path("facilities/<int:pk>/checklist/add/", loan_documents.checklist_add, name="checklist_add"),
    path("checklist/<int:pk>/attach/", loan_documents.checklist_attach, name="checklist_attach"),
    path("checklist/<int:pk>/decide/", loan_documents.checklist_decide, name="checklist_decide"),
    path("checklist/files/<int:pk>/", loan_documents.checklist_file, name="checklist_file"),
    path(
        "facilities/<int:pk>/terms/<int:version>/acknowledge/",
        loan_documents.acknowledge_terms,
        name="acknowledge_terms",
    ),
]

# The fee ledger: statements, field exams, base rates (abl/views/fees.py; docs/fees.md).
from abl.views import fees  # noqa: E402

urlpatterns += [
    path("facilities/<int:pk>/fees/", fees.fee_statement, name="fee_statement"),
    path(
        "facilities/<int:pk>/fees/statement.pdf", fees.fee_statement_pdf, name="fee_statement_pdf"
    ),
    path(
        "fee-statements/<int:pk>/statement.pdf",
        fees.fee_statement_document,
        name="fee_statement_document",
    ),
    path("facilities/<int:pk>/fees/post/", fees.post_fees, name="post_fees"),
    path("facilities/<int:pk>/field-exams/", fees.field_exams, name="field_exams"),
    path("field-exams/<int:pk>/record/", fees.record_field_exam, name="record_field_exam"),
    path("base-rates/", fees.base_rates, name="base_rates"),
]

# API tokens: one's own on the account page, a person's on theirs (abl/views/api_tokens.py).
from abl.views import api_tokens  # noqa: E402

urlpatterns += [
    path("account/api-tokens/", api_tokens.create_my_token, name="create_my_token"),
    path("account/api-tokens/<int:pk>/revoke/", api_tokens.revoke_my_token, name="revoke_my_token"),
    path("people/<int:pk>/api-tokens/", api_tokens.create_person_token, name="create_person_token"),
    path(
        "people/<int:pk>/api-tokens/<int:token_pk>/revoke/",
        api_tokens.revoke_person_token,
        name="revoke_person_token",
    ),
]
