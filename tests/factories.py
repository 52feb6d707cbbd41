"""factory_boy factories: plain objects, no surprises."""

from decimal import Decimal

import factory

from abl.models import Facility, Organisation, User

PASSWORD = "correct-horse-battery"


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Borrower {n} Inc.")
    kind = "borrower"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "borrower"
    organisation = factory.SubFactory(OrganisationFactory)
    # Analysts approve the tests' advances alone unless a test gives them a lower limit (§7).
    approval_limit = Decimal("25000000.00")
    password = factory.django.Password(PASSWORD)


class FacilityFactory(factory.django.DjangoModelFactory[Facility]):
    class Meta:
        model = Facility

    slug = factory.Sequence(lambda n: f"facility-{n}")
    name = factory.Sequence(lambda n: f"Facility {n}")
    lender = factory.SubFactory(OrganisationFactory, name="SouthTrust Bank, N.A.", kind="bank")
    borrower = factory.SubFactory(OrganisationFactory)
