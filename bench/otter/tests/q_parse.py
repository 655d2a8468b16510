"""Otter port of graders/python-foundations/csv-json-report: test_parse_simple, _quoting, _rejects_ragged_rows."""

from otter.test_files import test_case

OK_FORMAT = False
name = "parse_csv"


def _raises_value_error(func, text):
    try:
        got = func(text)
    except ValueError:
        return
    raise AssertionError(f"parse_csv({text!r}) returned {got!r:.300}, expected it to raise ValueError")


@test_case(points=1)
def test_parse_simple(env):
    parse_csv = env["parse_csv"]
    assert parse_csv("name,age,city\nAda,36,London\nAlan,41,Wilmslow\n") == [
        {"name": "Ada", "age": "36", "city": "London"},
        {"name": "Alan", "age": "41", "city": "Wilmslow"},
    ]
    assert parse_csv("a,b\n1, 2 \n") == [{"a": "1", "b": " 2 "}]
    assert parse_csv("x,y") == []
    assert parse_csv("") == []


@test_case(points=2)
def test_parse_quoting(env):
    parse_csv = env["parse_csv"]
    text = (
        'id,title,note\n'
        '1,"Smith, Jane",plain\n'
        '2,"The ""Best"" Shop","says ""hi"", twice"\n'
        '3,"two\nlines",""\n'
        '\n'
        '4,,"a,b,c"\n'
    )
    assert parse_csv(text) == [
        {"id": "1", "title": "Smith, Jane", "note": "plain"},
        {"id": "2", "title": 'The "Best" Shop', "note": 'says "hi", twice'},
        {"id": "3", "title": "two\nlines", "note": ""},
        {"id": "4", "title": "", "note": "a,b,c"},
    ]
    text = "city,amount\r\nLyon,3\r\n\"Paris, 5e\",4.5\r\n"
    assert parse_csv(text) == [{"city": "Lyon", "amount": "3"}, {"city": "Paris, 5e", "amount": "4.5"}]


@test_case(points=1)
def test_parse_rejects_ragged_rows(env):
    for text in ("a,b,c\n1,2,3\n4,5\n", "a,b\n1,2\n3,4,5\n", 'a,b\n"1,2"\n'):
        _raises_value_error(env["parse_csv"], text)
