package org.isgd.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The training-set variants the accuracy benchmark compares policies on. Only the training split
 * changes; the test split stays balanced and clean, so balanced accuracy measures what a variant
 * costs.
 *
 * <ul>
 *   <li>{@code balanced}: the training set as it is.</li>
 *   <li>{@code long-tail}: a seeded subset with n_c samples of class c, kept in source order and reindexed so
 *       that sample id = index in the variant; n_max is the smallest class count of the source and ρ the
 *       imbalance ratio ({@link Shape#imbalanceRatio()}, default {@value #LONG_TAIL_RATIO}). Exponential profile
 *       (Cao et al. 2019, the default): n_c = ⌊n_max · ρ^(−c/(C−1))⌋. Step profile (Buda et al. 2018): the first
 *       ⌈C/2⌉ classes keep n_max, the others ⌊n_max / ρ⌋.</li>
 *   <li>{@code label-noise}: every sample's label is, with probability {@link Shape#noiseRate()} (default
 *       {@value #NOISE_RATE}), replaced by another class, seeded; the true labels are kept beside. Symmetric
 *       noise (the default): a uniformly random other class. Class-dependent noise: class c always becomes c + 1
 *       mod C (the pair flip of Han et al. 2018), so each class's errors go to one neighbour, as a systematic
 *       annotator's would.</li>
 * </ul>
 */
public enum DataVariant {
    BALANCED, LONG_TAIL, LABEL_NOISE;

    public static final double LONG_TAIL_RATIO = 100;
    public static final double NOISE_RATE = 0.2;

    /** How a long tail falls off. */
    public enum Profile { EXPONENTIAL, STEP }

    /** Which other class a noisy label takes. */
    public enum NoiseKind { SYMMETRIC, CLASS_DEPENDENT }

    /**
     * The variants' parameters: the long tail's imbalance ratio ρ (≥ 1: largest over smallest class) and profile,
     * the label noise's rate (in [0, 1)) and kind. {@link #DEFAULT} is what the grid always used.
     */
    public record Shape(double imbalanceRatio, Profile imbalanceProfile, double noiseRate, NoiseKind noiseKind) {
        public static final Shape DEFAULT = new Shape(LONG_TAIL_RATIO, Profile.EXPONENTIAL, NOISE_RATE,
                NoiseKind.SYMMETRIC);

        public Shape {
            if (!(imbalanceRatio >= 1) || Double.isInfinite(imbalanceRatio)) {
                throw new IllegalArgumentException("imbalance ratio must be a finite number >= 1, got " + imbalanceRatio);
            }
            if (!(noiseRate >= 0 && noiseRate < 1)) {
                throw new IllegalArgumentException("noise rate must be in [0, 1), got " + noiseRate);
            }
            java.util.Objects.requireNonNull(imbalanceProfile, "imbalanceProfile");
            java.util.Objects.requireNonNull(noiseKind, "noiseKind");
        }

        /** e.g. "exponential"; "class-dependent". */
        public static String id(final Enum<?> value) {
            return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** {@code Profile} or {@code NoiseKind} by its {@link #id}. */
        public static <E extends Enum<E>> E parse(final Class<E> type, final String id) {
            for (final E value : type.getEnumConstants()) {
                if (id(value).equals(id.trim().toLowerCase(Locale.ROOT))) {
                    return value;
                }
            }
            throw new IllegalArgumentException("unknown value '" + id + "'; choose from "
                    + Arrays.stream(type.getEnumConstants()).map(Shape::id).toList());
        }
    }

    /** The variant's training set and where each of its samples came from. */
    public record Variant(DataVariant variant, LabelledImages train, int[] sourceIndex, int[] trueLabels) {
        /** Whether sample {@code i}'s training label differs from its true label. */
        public boolean flipped(final int i) {
            return train.label(i) != trueLabels[i];
        }

        public long flippedCount() {
            long count = 0;
            for (int i = 0; i < trueLabels.length; i++) {
                if (flipped(i)) {
                    count++;
                }
            }
            return count;
        }
    }

    /** {@code balanced}, {@code long-tail} or {@code label-noise}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static DataVariant parse(final String id) {
        for (final DataVariant v : values()) {
            if (v.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown data variant '" + id + "'; choose from "
                + Arrays.stream(values()).map(DataVariant::id).toList());
    }

    /** This variant of {@code source} with the default {@link Shape}. */
    public Variant apply(final LabelledImages source, final long seed) {
        return apply(source, seed, Shape.DEFAULT);
    }

    /** This variant of {@code source}; the same seed and shape give the same subset and the same flipped labels. */
    public Variant apply(final LabelledImages source, final long seed, final Shape shape) {
        return switch (this) {
            case BALANCED -> new Variant(this, source, identity(source.size()), source.labels().clone());
            case LONG_TAIL -> longTail(source, seed, shape);
            case LABEL_NOISE -> labelNoise(source, seed, shape);
        };
    }

    /** Samples per class of the exponential long-tail profile, n_c = ⌊nMax · ratio^(−c/(C−1))⌋, at least 1. */
    public static int[] longTailCounts(final int nMax, final int classes, final double ratio) {
        return longTailCounts(nMax, classes, ratio, Profile.EXPONENTIAL);
    }

    /** Samples per class of a long-tail profile (see the class's documentation), at least 1. */
    public static int[] longTailCounts(final int nMax, final int classes, final double ratio, final Profile profile) {
        final int[] counts = new int[classes];
        for (int c = 0; c < classes; c++) {
            final double share = switch (profile) {
                case EXPONENTIAL -> Math.pow(ratio, classes == 1 ? 0 : -(double) c / (classes - 1));
                case STEP -> c < (classes + 1) / 2 ? 1 : 1 / ratio;
            };
            counts[c] = Math.max(1, (int) Math.floor(nMax * share + 1e-9));
        }
        return counts;
    }

    private static Variant longTail(final LabelledImages source, final long seed, final Shape shape) {
        final int classes = source.numClasses();
        final List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < source.size(); i++) {
            byClass.get(source.label(i)).add(i);
        }
        final int nMax = byClass.stream().mapToInt(List::size).min().orElse(0);
        final int[] counts = longTailCounts(nMax, classes, shape.imbalanceRatio(), shape.imbalanceProfile());
        final SplittableRandom random = new SplittableRandom(seed);
        final boolean[] keep = new boolean[source.size()];
        for (int c = 0; c < classes; c++) {
            final int[] members = byClass.get(c).stream().mapToInt(Integer::intValue).toArray();
            shuffle(members, random);
            for (int k = 0; k < Math.min(counts[c], members.length); k++) {
                keep[members[k]] = true;
            }
        }
        final int[] sourceIndex = java.util.stream.IntStream.range(0, keep.length).filter(i -> keep[i]).toArray();
        final int size = source.imageSize();
        final float[] pixels = new float[sourceIndex.length * size];
        final int[] labels = new int[sourceIndex.length];
        for (int j = 0; j < sourceIndex.length; j++) {
            source.copyImage(sourceIndex[j], pixels, j * size);
            labels[j] = source.label(sourceIndex[j]);
        }
        return new Variant(LONG_TAIL, new LabelledImages(pixels, labels, source.rows(), source.cols(), classes),
                sourceIndex, labels.clone());
    }

    private static Variant labelNoise(final LabelledImages source, final long seed, final Shape shape) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int classes = source.numClasses();
        final int[] labels = source.labels().clone();
        for (int i = 0; i < labels.length; i++) {
            if (random.nextDouble() < shape.noiseRate()) {
                labels[i] = switch (shape.noiseKind()) {
                    case SYMMETRIC -> (labels[i] + 1 + random.nextInt(classes - 1)) % classes; // any class but the true one
                    case CLASS_DEPENDENT -> (labels[i] + 1) % classes;
                };
            }
        }
        return new Variant(LABEL_NOISE, new LabelledImages(source.pixels(), labels, source.rows(), source.cols(), classes),
                identity(source.size()), source.labels().clone());
    }

    private static int[] identity(final int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    private static void shuffle(final int[] values, final SplittableRandom random) {
        for (int i = values.length - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }
}
