package org.isgd.infra.query;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns as wide as their widest cell. */
public final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    public TextTable(final String... header) {
        columns = header.length;
        rows.add(header);
    }

    public void row(final String... cells) {
        rows.add(cells);
    }

    public boolean isEmpty() {
        return rows.size() == 1;
    }

    public void print(final PrintWriter out) {
        print(out, true);
    }

    public void print(final PrintWriter out, final boolean header) {
        final int[] widths = new int[columns];
        for (final String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (final String[] row : header ? rows : rows.subList(1, rows.size())) {
            final StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(c == columns - 1 ? row[c] : String.format("%-" + (widths[c] + 2) + "s", row[c]));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
