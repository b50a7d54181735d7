from decimal import Decimal

from courses.credit import seconds_to_study_hours, study_hours_rule_text


def test_default_rule_is_45_minutes_per_study_hour(settings):
    settings.STUDY_SECONDS_PER_HOUR = 2700
    assert seconds_to_study_hours(2700) == Decimal("1.00")
    assert seconds_to_study_hours(5400) == Decimal("2.00")
    assert seconds_to_study_hours(2699) == Decimal("0.99")  # rounded down, never up
    assert seconds_to_study_hours(0) == Decimal("0.00")
    assert seconds_to_study_hours(None) == Decimal("0.00")
    assert "45 分钟" in study_hours_rule_text()


def test_rule_follows_the_setting(settings):
    settings.STUDY_SECONDS_PER_HOUR = 3600
    assert seconds_to_study_hours(2700) == Decimal("0.75")
    assert "60 分钟" in study_hours_rule_text()
