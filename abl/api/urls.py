"""/api/: the schema, its docs page, and /api/v1/ (docs/api.md lists every endpoint)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from abl.api.views import certificates, drilldown, facilities, loans, reading

v1 = [
    path("facilities/", facilities.FacilityList.as_view(), name="api_facilities"),
    path("facilities/<int:pk>/", facilities.facility_detail, name="api_facility"),
    path(
        "facilities/<int:pk>/status/", facilities.facility_status_view, name="api_facility_status"
    ),
    path("facilities/<int:pk>/terms/", facilities.TermsVersionList.as_view(), name="api_terms"),
    path("facilities/<int:pk>/advances/", loans.AdvanceList.as_view(), name="api_advances"),
    path("facilities/<int:pk>/ledger/", loans.Ledger.as_view(), name="api_ledger"),
    path("facilities/<int:pk>/repayments/", loans.Repayments.as_view(), name="api_repayments"),
    path(
        "facilities/<int:pk>/certificates/",
        certificates.CertificateList.as_view(),
        name="api_certificates",
    ),
    path("certificates/<int:pk>/", certificates.certificate_detail, name="api_certificate"),
    path(
        "certificates/<int:pk>/files/",
        certificates.CertificateFiles.as_view(),
        name="api_certificate_files",
    ),
    path("certificates/<int:pk>/customers/", drilldown.Customers.as_view(), name="api_customers"),
    path("certificates/<int:pk>/invoices/", drilldown.Invoices.as_view(), name="api_invoices"),
    path(
        "certificates/<int:pk>/inventory/",
        drilldown.InventoryItems.as_view(),
        name="api_inventory",
    ),
    path("certificates/<int:pk>/certify/", certificates.certify, name="api_certify"),
    path("certificates/<int:pk>/review/", certificates.review, name="api_review"),
    path(
        "certificates/<int:pk>/certificate.pdf",
        certificates.certificate_pdf,
        name="api_certificate_pdf",
    ),
    path(
        "certificates/<int:pk>/export/",
        certificates.certificate_export,
        name="api_certificate_export",
    ),
    path(
        "certificates/<int:pk>/export.xlsx",
        certificates.certificate_xlsx,
        name="api_certificate_xlsx",
    ),
    path("facilities/<int:pk>/fees/", reading.fee_statement, name="api_fee_statement"),
    path(
        "facilities/<int:pk>/fees/statement.pdf",
        reading.fee_statement_pdf,
        name="api_fee_statement_pdf",
    ),
    path(
        "facilities/<int:pk>/fee-statements/",
        reading.FeeStatementDocuments.as_view(),
        name="api_fee_statements",
    ),
    path(
        "fee-statements/<int:pk>/statement.pdf",
        reading.fee_statement_document,
        name="api_fee_statement_document",
    ),
    path(
        "facilities/<int:pk>/financial-statements/",
        reading.FinancialStatements.as_view(),
        name="api_financial_statements",
    ),
    path("advances/<int:pk>/", loans.advance_detail, name="api_advance"),
    path("advances/<int:pk>/withdraw/", loans.withdraw_advance, name="api_withdraw_advance"),
    path("advances/<int:pk>/decision/", loans.decide_advance, name="api_decide_advance"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("v1/", include(v1)),
]
