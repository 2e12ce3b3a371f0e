package io.attnkit.dsl.syntax;

/**
 * ANTLR indexes characters by code point; spans index UTF-16 chars. The two agree unless the
 * text holds characters outside the Basic Multilingual Plane, which only then costs a table.
 */
final class OffsetMap {
    private final int[] charOffsetOfCodePoint;

    private OffsetMap(int[] table) {
        this.charOffsetOfCodePoint = table;
    }

    static OffsetMap of(String text) {
        int count = text.codePointCount(0, text.length());
        if (count == text.length()) {
            return new OffsetMap(null);
        }
        int[] table = new int[count + 1];
        int cp = 0;
        for (int i = 0; i < text.length(); cp++) {
            table[cp] = i;
            i += Character.charCount(text.codePointAt(i));
        }
        table[count] = text.length();
        return new OffsetMap(table);
    }

    int charOffset(int codePointIndex) {
        if (charOffsetOfCodePoint == null) {
            return codePointIndex;
        }
        int i = Math.clamp(codePointIndex, 0, charOffsetOfCodePoint.length - 1);
        return charOffsetOfCodePoint[i];
    }
}
