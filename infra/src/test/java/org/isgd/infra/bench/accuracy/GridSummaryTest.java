package org.isgd.infra.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GridSummaryTest {

    @Test
    void statIsMeanAndSampleStandardDeviationOfTheFiniteValues() {
        final Stat stat = Stat.of(1, 2, 3, 4, Double.NaN);
        assertEquals(2.5, stat.mean(), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3), stat.std(), 1e-12);
        assertEquals(4, stat.n());
        assertEquals(0, Stat.of(7).std());
        assertEquals(0, Stat.of().n());
        assertEquals("—", Stat.of().format(2));
        assertEquals("2.50 ± 1.29", stat.format(2));
    }

    @Test
    void stepsToTargetIsTheFirstEvaluationAtOrAboveIt() {
        final CellResult run = GridFixtures.run("uniform", GridArm.KAFKA, "balanced", 1.0, 0, 0.5, 0.8, 0.79, 0.9);
        assertEquals(20, run.stepsTo(0.8));
        assertEquals(4.0, run.secondsTo(0.8));
        assertEquals(40, run.stepsTo(0.85));
        assertEquals(-1, run.stepsTo(0.95));
        assertTrue(Double.isNaN(run.secondsTo(0.95)));
    }

    @Test
    void rowsCompareEachArmWithTheKafkaUniformArmsMeanFinalAccuracy() {
        final List<GridSummary.Group> groups = GridSummary.groups(GridFixtures.grid());
        assertEquals(1, groups.size());
        final GridSummary.Group group = groups.get(0);
        assertEquals(List.of("uniform", "uniform (local)", "early-importance"),
                group.rows().stream().map(GridSummary.Row::arm).toList());
        final GridSummary.Row uniform = group.control();
        assertEquals("uniform", uniform.arm());
        assertEquals(0.81, uniform.target(), 1e-12);
        assertEquals(0.81, uniform.accuracy().mean(), 1e-12);
        assertEquals(Math.sqrt(0.0002), uniform.accuracy().std(), 1e-12);
        // uniform: seed 1 reaches 0.81 at step 30, seed 0 never does
        assertEquals(1, uniform.reached());
        assertEquals(30, uniform.steps().mean());
        final GridSummary.Row early = group.rows().get(2);
        // early-importance: seed 0 at step 20 (0.81), seed 1 at step 30 (0.83)
        assertEquals(2, early.reached());
        assertEquals(25, early.steps().mean());
        assertEquals(30.0 / 25, early.speedUp(), 1e-12);
        assertEquals(6.0 / 5, early.wallSpeedUp(), 1e-12);
        final GridSummary.Row local = group.rows().get(1);
        assertEquals(0, local.reached());
        assertTrue(Double.isNaN(local.speedUp()));
        assertTrue(Double.isNaN(early.wallSpeedUpLocal()), "the local loader never reached the target");
    }

    @Test
    void wallClockAgainstTheInProcessLoaderUsesTheSameTarget() {
        // target 0.81 (uniform's mean final accuracy); seconds at evaluation k are 2(k+1)
        final GridSummary.Group group = GridSummary.group(List.of(
                GridFixtures.run("uniform", GridArm.KAFKA, "balanced", 1.0, 0, 0.5, 0.7, 0.80),
                GridFixtures.run("uniform", GridArm.KAFKA, "balanced", 1.0, 1, 0.5, 0.7, 0.82),
                GridFixtures.run(GridArm.UNIFORM_LOCAL, GridArm.LOCAL, "balanced", 1.0, 0, 0.5, 0.81, 0.83),
                GridFixtures.run("early-importance", GridArm.KAFKA, "balanced", 1.0, 0, 0.85, 0.86, 0.87)));
        final GridSummary.Row early = group.rows().stream().filter(r -> r.arm().equals("early-importance"))
                .findFirst().orElseThrow();
        assertEquals(4.0 / 2.0, early.wallSpeedUpLocal(), 1e-12, "local reaches 0.81 at 4 s, early-importance at 2 s");
        assertEquals(6.0 / 2.0, early.wallSpeedUp(), 1e-12, "uniform through Kafka reaches it at 6 s (seed 1 only)");
        assertTrue(GridSummary.markdown(List.of(group)).contains("| wall vs local loader |"));
    }

    @Test
    void verdictIsWelchsTTestAtFivePercent() {
        // t = 0.04 / sqrt(2 · 0.0001 / 3) = 4.90, 4 degrees of freedom: p = 0.008
        assertEquals(0.008050, GridSummary.welchP(Stat.of(0.80, 0.81, 0.82), Stat.of(0.76, 0.77, 0.78)), 1e-5);
        // unequal n and variances, where Welch (0.00711) and Student's pooled test (0.0199) differ: scipy's
        // ttest_ind([.80, .81, .85, .90], [.70, .72], equal_var=False)
        assertEquals(0.007106, GridSummary.welchP(Stat.of(0.80, 0.81, 0.85, 0.90), Stat.of(0.70, 0.72)), 1e-5);
        assertEquals("Welch's t-test p = 0.008, significant",
                GridSummary.significance(Stat.of(0.80, 0.81, 0.82), Stat.of(0.76, 0.77, 0.78)));
        assertEquals("Welch's t-test p < 0.001, significant", GridSummary.significance(Stat.of(0.8, 0.8), Stat.of(0.7, 0.7)));
        assertEquals(GridSummary.Verdict.WIN, GridSummary.verdict(Stat.of(0.80, 0.81, 0.82), Stat.of(0.76, 0.77, 0.78)));
        assertEquals(GridSummary.Verdict.LOSS, GridSummary.verdict(Stat.of(0.76, 0.77, 0.78), Stat.of(0.80, 0.81, 0.82)));
        // the same 4-point gap over two seeds each and twice the spread: t = 2.83, 2 d.f., p = 0.11
        assertEquals(GridSummary.Verdict.TIE, GridSummary.verdict(Stat.of(0.80, 0.82), Stat.of(0.76, 0.78)));
        assertEquals(GridSummary.Verdict.WIN, GridSummary.verdict(Stat.of(0.8, 0.8), Stat.of(0.7, 0.7)));
        assertEquals(GridSummary.Verdict.TIE, GridSummary.verdict(Stat.of(0.8, 0.8), Stat.of(0.8, 0.8)));
        assertEquals(GridSummary.Verdict.ONE_SEED, GridSummary.verdict(Stat.of(0.9), Stat.of(0.5, 0.6)));
    }

    @Test
    void headlineComparesEveryArmWithEachBaselineAndCountsThePolicies() {
        final List<GridSummary.Headline> headlines = GridSummary.headlines(GridSummary.groups(GridFixtures.grid()));
        assertEquals(List.of("uniform", "uniform (local)"), headlines.stream().map(GridSummary.Headline::baseline).toList());
        final GridSummary.Headline vsUniform = headlines.get(0);
        assertEquals(List.of("uniform (local)", "early-importance"), vsUniform.arms());
        assertEquals(List.of("long-tail, 30%"), vsUniform.rowTitles());
        // balanced accuracy = test accuracy − 0.05: uniform 0.75/0.77, early-importance 0.80/0.78, local 0.65
        // +3.0 points over two seeds, std 1.4 each: t = 2.12, p = 0.17, a tie
        assertEquals(List.of("-11.0 one seed", "+3.0 tie"), vsUniform.cells().get(0));
        assertEquals("importance-sampling policies against uniform, over (policy, data, budget) cells: 0 win(s), 1 tie(s), "
                + "0 loss(es)", vsUniform.count());
        assertEquals("importance-sampling policies against uniform (local), over (policy, data, budget) cells: 0 win(s), "
                + "0 tie(s), 0 loss(es), 1 with one seed only", headlines.get(1).count());
        final String markdown = GridSummary.headlineMarkdown(headlines);
        assertTrue(markdown.contains("| long-tail, 30% | -11.0 one seed | +3.0 tie |"), markdown);
    }

    @Test
    void lossesAreSaidPlainly() {
        final GridSummary.Group group = GridSummary.groups(GridFixtures.grid()).get(0);
        final List<String> losses = GridSummary.losses(group);
        assertTrue(losses.stream().anyMatch(l -> l.startsWith("uniform (local) is below uniform on final test accuracy")),
                losses.toString());
        assertTrue(losses.stream().anyMatch(l -> l.contains("1 of 1 seeds never reached")), losses.toString());
        assertTrue(losses.stream().noneMatch(l -> l.startsWith("early-importance is below")), losses.toString());
        final String md = GridSummary.markdown(List.of(group));
        assertTrue(md.contains("## long-tail, budget 30%"), md);
        assertTrue(md.contains("| early-importance | kafka | 2 | 0.8400 ± 0.0141 |"), md);
        assertTrue(md.contains("1.20×"), md);
        assertTrue(md.contains("Where an arm ends below the control arm:"), md);
    }

    @Test
    void withoutAKafkaUniformArmTheLocalOneIsTheControl() {
        final List<CellResult> results = List.of(
                GridFixtures.run(GridArm.UNIFORM_LOCAL, GridArm.LOCAL, "balanced", 0.5, 0, 0.6, 0.7),
                GridFixtures.run("infobatch", GridArm.KAFKA, "balanced", 0.5, 0, 0.7, 0.75));
        final GridSummary.Group group = GridSummary.groups(results).get(0);
        assertEquals(GridArm.UNIFORM_LOCAL, group.control().arm());
        assertEquals(2.0, group.rows().get(1).speedUp(), 1e-12);
    }
}
