import threading

import pytest
from django.db import connection, connections

from teachers.models import Evaluation, EvaluationScore
from teachers.services import dimensions_ensure_defaults, evaluation_submit
from tests.factories.teachers import ClassSessionFactory, attend

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_first_submissions_make_one_evaluation(roles):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locking (SQLite serializes writers)")
    dimensions_ensure_defaults()
    session = ClassSessionFactory()
    attend(session, roles.member_a)
    barrier = threading.Barrier(4)
    errors = []

    def submit(score):
        try:
            barrier.wait()
            evaluation_submit(
                member=roles.member_a,
                session=session,
                scores={c: score for c in ("political", "content", "practice", "method", "overall")},
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(s,)) for s in (2, 3, 4, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Evaluation.objects.count() == 1
    assert EvaluationScore.objects.count() == 5
    assert len(set(EvaluationScore.objects.values_list("score", flat=True))) == 1  # one whole answer won
