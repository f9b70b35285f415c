package org.isgd.infra.bench.accuracy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.isgd.trainer.data.DataVariant;

/**
 * The hardest and easiest training images per class at the end of a run, as in the papers' figures:
 * one row per class (training label), the highest-loss images on the left, the lowest-loss on the
 * right, each scaled up and captioned with its loss. A red frame marks a flipped label (its true
 * class is written under it).
 */
public final class ImageGrid {
    static final int SCALE = 3;
    private static final int LABEL_WIDTH = 110;
    private static final int GAP = 24;
    private static final int CAPTION = 12;
    private static final int HEADER = 44;

    private ImageGrid() {
    }

    public static Path write(final Path file, final String title, final DataVariant.Variant variant,
                             final List<CellResult.ClassExtremes> extremes, final String[] classNames) {
        System.setProperty("java.awt.headless", "true");
        final int rows = variant.train().rows();
        final int cols = variant.train().cols();
        final int cellW = cols * SCALE + 4;
        final int cellH = rows * SCALE + CAPTION + 6;
        final int k = extremes.stream().mapToInt(e -> Math.max(e.hardest().length, e.easiest().length)).max().orElse(1);
        final int width = LABEL_WIDTH + 2 * k * cellW + GAP;
        final int height = HEADER + extremes.size() * cellH;
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 6, 16);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("hardest (highest latest loss) →", LABEL_WIDTH, 36);
        g.drawString("easiest (lowest latest loss) →", LABEL_WIDTH + k * cellW + GAP, 36);
        for (int r = 0; r < extremes.size(); r++) {
            final CellResult.ClassExtremes row = extremes.get(r);
            final int y = HEADER + r * cellH;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(row.label() < classNames.length ? classNames[row.label()] : "class " + row.label(), 4,
                    y + rows * SCALE / 2 + 4);
            drawRow(g, variant, row.hardest(), row.hardestLoss(), LABEL_WIDTH, y, cellW, classNames);
            drawRow(g, variant, row.easiest(), row.easiestLoss(), LABEL_WIDTH + k * cellW + GAP, y, cellW, classNames);
        }
        g.dispose();
        return GridPlots.save(image, file);
    }

    private static void drawRow(final Graphics2D g, final DataVariant.Variant variant, final long[] ids,
                                final float[] losses, final int x0, final int y, final int cellW,
                                final String[] classNames) {
        final int rows = variant.train().rows();
        final int cols = variant.train().cols();
        final float[] pixels = new float[rows * cols];
        for (int i = 0; i < ids.length; i++) {
            final int id = (int) ids[i];
            final int x = x0 + i * cellW;
            variant.train().copyImage(id, pixels, 0);
            final BufferedImage tile = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < pixels.length; p++) {
                final int v = Math.max(0, Math.min(255, Math.round(pixels[p] * 255)));
                tile.getRaster().setSample(p % cols, p / cols, 0, v);
            }
            g.drawImage(tile, x + 2, y + 2, cols * SCALE, rows * SCALE, null);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            g.setColor(Color.DARK_GRAY);
            // a loss of a certain sample can come out a rounding error below 0: print it as 0.00, not -0.00
            g.drawString(String.format(Locale.ROOT, "%.2f", Math.max(0f, losses[i])), x + 2,
                    y + rows * SCALE + CAPTION + 1);
            if (variant.flipped(id)) {
                g.setColor(Color.RED);
                g.setStroke(new BasicStroke(2));
                g.drawRect(x + 1, y + 1, cols * SCALE + 2, rows * SCALE + 2);
                final int truth = variant.trueLabels()[id];
                final String name = truth < classNames.length ? classNames[truth] : "class " + truth;
                g.drawString("true: " + name.substring(0, Math.min(7, name.length())), x + 30, y + rows * SCALE + CAPTION + 1);
            }
        }
    }
}
