"""One phone normaliser (``repairnet.phones``): valid mainland China numbers only, stored in E.164, shown in the
national format, masked on their national digits, searched by the stored prefix of what was typed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.template import Context, Template
from django.utils import translation
from rest_framework import serializers

from repairnet.exports import mask_phone
from repairnet.phones import (
    PhoneFormField,
    PhoneSerializerField,
    phone_display,
    phone_normalise,
    phone_normalise_optional,
    phone_prefix,
    phone_tel,
)
from tests.migrating import migration_before

ZH_MESSAGE = "请输入有效的手机号码，或带区号的固定电话号码（例如 0371-12345678）。"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("＋86１３８１２３４５６７８", "+8613812345678"),  # full-width, as a Chinese keyboard may give it
        ("0371-12345678", "+8637112345678"),
        ("037112345678", "+8637112345678"),
        ("(0371) 1234 5678", "+8637112345678"),
        ("+86 371 1234 5678", "+8637112345678"),
        ("+86 (0)371 1234 5678", "+8637112345678"),
        ("010-12345678", "+861012345678"),
        ("028-80001234", "+862880001234"),
    ],
)
def test_valid_mobiles_and_landlines_are_stored_in_e164(typed, e164):
    assert phone_normalise(typed) == e164
    assert phone_normalise(e164) == e164  # idempotent: a stored number passes again unchanged


@pytest.mark.parametrize(
    "typed",
    [
        "12012345678",  # 11 digits starting with 1, but no mobile network's number
        "1381234567",  # a digit short
        "138123456789",  # a digit too many
        "138ABCD5678",  # phonenumbers would read the letters off a keypad
        "13812345678 ext 12",
        "0371-123456",  # a landline two digits short
        "+1 212 555 1234",  # valid, but not a mainland China number
        "+852 2123 4567",
        "138****5678",
        "",
        "   ",
    ],
)
def test_invalid_numbers_are_refused_with_the_chinese_message(typed):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        phone_normalise(typed)
    assert refused.value.code == "phone"
    assert refused.value.messages == [ZH_MESSAGE]


def test_a_refusal_names_its_field_when_asked():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        phone_normalise("12012345678", field="contact_phone")
    assert refused.value.message_dict == {"contact_phone": [ZH_MESSAGE]}
    assert refused.value.error_dict["contact_phone"][0].code == "phone"


def test_an_optional_phone_may_be_empty_but_not_wrong():
    assert phone_normalise_optional("") == phone_normalise_optional("  ") == ""
    assert phone_normalise_optional("13812345678") == "+8613812345678"
    with pytest.raises(ValidationError):
        phone_normalise_optional("12012345678")


@pytest.mark.parametrize(
    ("stored", "shown", "masked"),
    [
        ("+8613812345678", "138 1234 5678", "138****5678"),
        ("+8637112345678", "0371 1234 5678", "037****5678"),
        ("+861012345678", "010 1234 5678", "010****5678"),
    ],
)
def test_stored_numbers_are_shown_national_and_masked_on_their_national_digits(stored, shown, masked):
    assert phone_display(stored) == shown
    assert mask_phone(stored) == masked
    assert phone_tel(stored) == f"tel:{stored}"


def test_text_that_is_no_stored_number_is_shown_as_it_is():
    for text in ("138****5678", "12012345678", ""):
        assert phone_display(text) == text
        assert phone_tel(text) == ""
    assert phone_display(None) == ""
    assert mask_phone("13812345678") == "138****5678"  # a row no migration could read is still masked


@pytest.mark.parametrize(
    ("typed", "prefix"),
    [
        ("138123", "+86138123"),
        ("138 1234", "+861381234"),
        ("0371-1234", "+863711234"),
        ("0371", "+86371"),
        ("010", "+8610"),
        ("01", "+8610"),  # Beijing's is the one area code starting with 1: not the start of every mobile
        ("+86138", "+86138"),
        ("+86 138 1234", "+861381234"),
        ("+86 (0)371", "+86371"),
        ("0086138", "+86138"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("86 138 1234 5678", "+8613812345678"),  # a whole number is read whole, country code and all
        ("0", None),  # nothing of the national number yet: as a prefix it would be every number
        ("+86", None),
        ("+1 212", None),
        ("HD2501", None),
        ("王建国", None),
        ("", None),
    ],
)
def test_typed_prefix_becomes_the_stored_prefix(typed, prefix):
    assert phone_prefix(typed) == prefix


def test_every_stored_number_starts_with_the_prefix_of_its_typed_start():
    for typed in ("13812345678", "0371-12345678", "010-12345678"):
        stored = phone_normalise(typed)
        for end in range(2, len(typed) + 1):
            start = typed[:end]
            if phone_prefix(start) is not None:
                assert stored.startswith(phone_prefix(start)), start


def test_template_filters_show_national_format_with_a_tel_link():
    template = Template("{% load repairnet %}{{ p|phone }}|{{ p|tel }}|{{ p|phone_link }}|{{ m|phone_link }}")
    html = template.render(Context({"p": "+8637112345678", "m": "037****5678"}))
    assert html == (
        '0371 1234 5678|tel:+8637112345678|<a href="tel:+8637112345678" class="text-nowrap">0371 1234 5678</a>'
        "|037****5678"
    )
    assert Template("{% load repairnet %}{{ p|phone_link }}").render(Context({"p": "<b>"})) == "&lt;b&gt;"


def test_form_field_cleans_to_e164_and_shows_the_national_format():
    field = PhoneFormField(required=False)
    assert field.clean("0371-12345678") == "+8637112345678"
    assert field.clean("") == ""
    assert field.prepare_value("+8613812345678") == "138 1234 5678"
    assert 'type="tel"' in field.widget.render("phone", "+8613812345678")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        field.clean("12012345678")
    assert refused.value.messages == [ZH_MESSAGE]


def test_serializer_field_validates_to_e164():
    field = PhoneSerializerField(required=False, allow_blank=True)
    assert field.run_validation("+86 371 1234 5678") == "+8637112345678"
    assert field.run_validation("") == ""
    with translation.override("zh-hans"), pytest.raises(serializers.ValidationError) as refused:
        field.run_validation("12012345678")
    assert [str(m) for m in refused.value.detail] == [ZH_MESSAGE]
    assert refused.value.detail[0].code == "phone"


# --- the data migrations ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migrations_write_staff_station_and_applicant_phones_in_e164():
    from tests.factories import StationFactory, UserFactory
    from tests.stations.helpers import site

    station = StationFactory()
    application = site(station)
    users = [UserFactory(username=f"m{i}") for i in range(4)]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    before = [
        migration_before(executor, "repairnet", "_phones_e164"),
        migration_before(executor, "stations", "_phones_e164"),
    ]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        User, Station, Application = (
            old.get_model("repairnet", "User"),
            old.get_model("stations", "Station"),
            old.get_model("stations", "Application"),
        )
        for user, phone in zip(users, ("13812345678", "138 1234 5678", "12012345678", ""), strict=True):
            User.objects.filter(pk=user.pk).update(phone=phone)
        Station.objects.filter(pk=station.pk).update(phone="0371-66668888")
        Application.objects.filter(pk=application.pk).update(contact_phone="(0371)12345678")
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
        new = executor.loader.project_state(leaves).apps
        phones = dict(
            new.get_model("repairnet", "User").objects.filter(pk__in=[u.pk for u in users]).values_list("pk", "phone")
        )
        assert [phones[u.pk] for u in users] == ["+8613812345678", "+8613812345678", "12012345678", ""]
        assert new.get_model("stations", "Station").objects.get(pk=station.pk).phone == "+8637166668888"
        assert new.get_model("stations", "Application").objects.get(pk=application.pk).contact_phone == "+8637112345678"
    finally:
        MigrationExecutor(connection).migrate(leaves)
