"""ID-card numbers and unified social credit codes: check digits, validation, generation."""

import datetime
import random

import pytest

from customers.identity import (
    credit_code_problem,
    id_number_birth_date,
    id_number_gender,
    id_number_problem,
    make_credit_code,
    make_id_number,
)


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014", "11010119900307387X"])
def test_published_example_id_numbers_are_valid(value):
    assert id_number_problem(value) is None


@pytest.mark.parametrize(
    "value,problem",
    [
        ("110105194912310021", "check digit"),
        ("11010519491331002X", "birth date"),
        ("1101051949123100", "17 digits"),
        ("11010519491231002Y", "17 digits"),
    ],
)
def test_bad_id_numbers_say_why(value, problem):
    assert problem in id_number_problem(value)


def test_generated_id_numbers_are_valid_and_carry_birth_date_and_gender():
    rng = random.Random(1)
    birth = datetime.date(1988, 2, 29)
    value = make_id_number(rng, "340102", birth, "female", 7)
    assert id_number_problem(value) is None
    assert id_number_birth_date(value) == birth and id_number_gender(value) == "female"
    assert id_number_gender(make_id_number(rng, "340102", birth, "male", 7)) == "male"


@pytest.mark.parametrize("value", ["91350100M000100Y43", "91110000600037341L"])
def test_published_example_credit_codes_are_valid(value):
    assert credit_code_problem(value) is None


def test_bad_credit_codes_say_why():
    assert "check character" in credit_code_problem("91350100M000100Y44")
    assert "18 characters" in credit_code_problem("91350100M000100YI3")


def test_generated_credit_codes_are_valid():
    rng = random.Random(2)
    codes = {make_credit_code(rng, "340100", n) for n in range(200)}
    assert len(codes) == 200 and all(credit_code_problem(c) is None for c in codes)
