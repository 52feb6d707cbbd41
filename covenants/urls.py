from django.urls import path

from covenants.views import covenant_page, queues, reporting, statements

urlpatterns = [
    path(
        "facilities/<int:pk>/financials/",
        reporting.financial_reporting,
        name="financial_reporting",
    ),
    path(
        "facilities/<int:pk>/financials/submit/",
        reporting.submit_statement,
        name="submit_statement",
    ),
    path(
        "facilities/<int:pk>/financials/upload/",
        reporting.upload_statements,
        name="upload_statements",
    ),
    path("facilities/<int:pk>/capex-requests/new/", reporting.request_capex, name="request_capex"),
    path("facilities/<int:pk>/covenants/", covenant_page.covenant_page, name="covenant_page"),
    path("statements/<int:pk>/", statements.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/accept/", statements.accept_statement, name="accept_statement"),
    path(
        "statements/<int:pk>/certificate.pdf",
        statements.compliance_certificate,
        name="compliance_certificate",
    ),
    path("covenants/statements/", queues.statement_queue, name="statement_queue"),
    path("covenants/breaches/", queues.breach_queue, name="breach_queue"),
    path("covenants/breaches/<int:pk>/", queues.breach_detail, name="breach_detail"),
    path("covenants/breaches/<int:pk>/waive/", queues.waive_breach, name="waive_breach"),
    path("covenants/breaches/<int:pk>/amend/", queues.amend_covenant, name="amend_covenant"),
    path("covenants/breaches/<int:pk>/default/", queues.declare_default, name="declare_default"),
    path("covenants/breaches/<int:pk>/waiver/", queues.waiver_document, name="waiver_document"),
    path("covenants/capex-requests/", queues.capex_queue, name="capex_queue"),
    path("covenants/capex-requests/<int:pk>/decide/", queues.decide_capex, name="decide_capex"),
]
