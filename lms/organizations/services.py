from django.db import transaction

from .models import PartyOrganization


@transaction.atomic
def organization_create(
    *, parent: PartyOrganization | None, name: str, kind: str, sector: str = "other", town=None, code: str | None = None
) -> PartyOrganization:
    """Place a new organization in the tree under `parent` (a root when None)."""
    node = PartyOrganization(name=name, kind=kind, sector=sector or "other", town=town, code=code or None)
    node.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return PartyOrganization.add_root(instance=node)
    return parent.add_child(instance=node)
