package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  private static Object parse(String s) throws Json.ParseException {
    return Json.parse(s, 8);
  }

  @Test
  void parsesNestedValuesKeepingNumberText() throws Exception {
    Object v = parse(" {\"a\": [1, -2.5e3, 0.1], \"b\": {\"c\": true, \"d\": null}, \"e\": \"x\"} ");
    assertThat(v).isInstanceOf(Map.class);
    Map<?, ?> m = (Map<?, ?>) v;
    assertThat(List.copyOf(m.keySet())).isEqualTo(List.of("a", "b", "e"));
    List<?> a = (List<?>) m.get("a");
    assertThat(a).extracting(Object::toString).containsExactly("1", "-2.5e3", "0.1");
    assertThat(((Json.Num) a.get(0)).integral).isTrue();
    assertThat(((Json.Num) a.get(1)).integral).isFalse();
    Map<?, ?> b = (Map<?, ?>) m.get("b");
    assertThat(b.get("c")).isEqualTo(Boolean.TRUE);
    assertThat(b.get("d")).isSameAs(Json.NULL);
    assertThat(m.get("e")).isEqualTo("x");
  }

  @Test
  void acceptsNanAndInfinityLikeTfServing() throws Exception {
    List<?> a = (List<?>) parse("[NaN, Infinity, -Infinity]");
    assertThat(a).extracting(Object::toString).containsExactly("NaN", "Infinity", "-Infinity");
    assertThat(a).allMatch(n -> !((Json.Num) n).integral);
  }

  @Test
  void decodesEscapes() throws Exception {
    assertThat(parse("\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\""))
        .isEqualTo("a\"b\\c/d\né\ud83d\ude00");
  }

  @Test
  void rejectsMalformedTextWithOffsets() {
    String[] bad = {
      "", "{", "{\"a\": [1, 2", "[1,]", "{\"a\" 1}", "{\"a\": 1,}", "01", "1.", "1e", "-", "+1",
      "[1 2]", "{\"a\": 1} x", "\"abc", "\"\\x\"", "\"\\u12\"", "tru", "nul", "[\"a\tb\"]",
      "{a: 1}", "'a'", "NaNa", "[Inf]"
    };
    for (String s : bad) {
      assertThatThrownBy(() -> parse(s)).as(s).isInstanceOf(Json.ParseException.class);
    }
  }

  @Test
  void rejectsDuplicateKeys() {
    assertThatThrownBy(() -> parse("{\"z\": 1, \"z\": 2}"))
        .isInstanceOf(Json.ParseException.class)
        .hasMessageContaining("duplicate key \"z\"");
  }

  @Test
  void limitsNestingDepth() throws Exception {
    assertThat(parse("[[[[[[[[1]]]]]]]]")).isInstanceOf(List.class); // depth 8
    assertThatThrownBy(() -> parse("[[[[[[[[[1]]]]]]]]]"))
        .isInstanceOf(Json.ParseException.class)
        .hasMessageContaining("deeper than 8");
    // far deeper than the limit: must fail cleanly, not overflow the stack
    String deep = "[".repeat(200_000) + "]".repeat(200_000);
    assertThatThrownBy(() -> parse(deep)).isInstanceOf(Json.ParseException.class);
  }

  @Test
  void limitsNumberLength() {
    String huge = "1".repeat(Json.MAX_NUMBER_CHARS + 1);
    assertThatThrownBy(() -> parse(huge))
        .isInstanceOf(Json.ParseException.class)
        .hasMessageContaining("number longer than");
  }

  @Test
  void quotesStringsAndErrorBodies() throws Exception {
    String s = "say \"hi\"\\\n\t\u0001";
    String q = Json.quote(new StringBuilder(), s).toString();
    assertThat(parse(q)).isEqualTo(s);
    assertThat(parse(Json.errorBody("bad \"x\""))).isEqualTo(Map.of("error", "bad \"x\""));
  }
}
