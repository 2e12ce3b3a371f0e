package io.attnkit.dsl.check;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.model.TargetSpec.MemoryLevel;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.AttnFile;
import io.attnkit.dsl.syntax.Comments;
import io.attnkit.dsl.syntax.Decl;
import io.attnkit.dsl.syntax.KernelStmt;
import io.attnkit.dsl.syntax.KernelStmt.HeadPattern;
import io.attnkit.dsl.syntax.KernelStmt.HeadSet;
import io.attnkit.dsl.syntax.MaskExpr;
import io.attnkit.dsl.syntax.Name;
import io.attnkit.dsl.syntax.Printer;
import io.attnkit.dsl.syntax.Property;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes checked models back as source: the inverse of the front end, so that a resolved kernel
 * (its defaults filled in, its heads grouped) can be shown, saved or diffed. Checking what it
 * writes gives back an equal model. Every setting is written out, defaults included, in base
 * units ({@code Hz}, {@code B}, {@code B/s}, {@code s}) so that no figure is rounded on the way.
 */
public final class Unparser {
    private Unparser() {
    }

    /** The source of a kernel, with every default written out. */
    public static String print(KernelSpec kernel) {
        return Printer.print(file(List.of(kernel(kernel))));
    }

    /** The source of a target, in base units. */
    public static String print(TargetSpec target) {
        return Printer.print(file(List.of(target(target))));
    }

    /** The source of a program: its targets, then routers, then kernels. */
    public static String print(Program program) {
        List<Decl> decls = new ArrayList<>();
        program.targets().forEach(t -> decls.add(target(t)));
        program.routers().forEach(r -> decls.add(router(r)));
        program.kernels().forEach(k -> decls.add(kernel(k)));
        return Printer.print(file(decls));
    }

    private static AttnFile file(List<Decl> decls) {
        return new AttnFile(List.of(), decls, List.of(), Span.NONE);
    }

    // ---- kernels --------------------------------------------------------------------------

    public static Decl.KernelDecl kernel(KernelSpec k) {
        Shape s = k.shape();
        Tiles t = k.tiles();
        List<KernelStmt> body = new ArrayList<>();
        body.add(property("shape", named("batch", s.batch()), named("heads", s.heads()), named("kv_heads", s.kvHeads()),
                named("q_len", s.qLen()), named("kv_len", s.kvLen()), named("head_dim", s.headDim()),
                named("v_dim", s.vDim())));
        body.add(property("dtype", item(ident(k.dtype().spelling())), item(ident("accumulate"), ident(k.accumulate().spelling()))));
        body.add(property("scale", item(number(k.scale(), ""))));
        body.add(property("tile", named("q", t.q()), named("kv", t.kv()), named("stages", t.stages()),
                named("warps", t.warps())));
        k.target().ifPresent(target -> body.add(property("target", item(ident(target)))));
        body.add(new KernelStmt.MaskStmt(mask(k.mask()), Comments.NONE, Span.NONE));
        for (HeadGroup g : k.groups()) {
            HeadSet heads = g.heads().size() == s.heads() ? new HeadSet.All(Span.NONE) : ranges(g.heads());
            HeadPattern pattern = switch (g.mode()) {
                case HeadMode.Fixed f -> new HeadPattern.Fixed(mask(f.mask()), Span.NONE);
                case HeadMode.Routed r -> new HeadPattern.Routed(Name.of(r.router().name()), mask(r.full()),
                        mask(r.sparse()), Span.NONE);
            };
            body.add(new KernelStmt.HeadsStmt(heads, pattern, Comments.NONE, Span.NONE));
        }
        return new Decl.KernelDecl(Name.of(k.name()), body, List.of(), List.of(), Comments.NONE, Span.NONE);
    }

    private static HeadSet ranges(List<Integer> heads) {
        List<HeadSet.Range> out = new ArrayList<>();
        int i = 0;
        while (i < heads.size()) {
            int j = i;
            while (j + 1 < heads.size() && heads.get(j + 1) == heads.get(j) + 1) {
                j++;
            }
            out.add(new HeadSet.Range(String.valueOf(heads.get(i)),
                    j == i ? Optional.empty() : Optional.of(String.valueOf(heads.get(j))), Span.NONE));
            i = j + 1;
        }
        return new HeadSet.Ranges(out, Span.NONE);
    }

    /** A mask as an expression; composites keep their operands' order. */
    public static MaskExpr mask(Mask m) {
        return switch (m) {
            case Mask.Dense d -> call("dense");
            case Mask.Causal c -> call("causal");
            case Mask.Window w -> call("window", w.size());
            case Mask.Sink s -> call("sink", s.count());
            case Mask.Prefix p -> call("prefix", p.length());
            case Mask.Document d -> new MaskExpr.Call(Name.of("document"), d.lengths().stream()
                    .map(len -> new MaskExpr.Arg(Optional.empty(), quantity(len, ""), Span.NONE)).toList(), Span.NONE);
            case Mask.And a -> new MaskExpr.And(a.operands().stream().map(Unparser::mask).toList(), Span.NONE);
            case Mask.Or o -> new MaskExpr.Or(o.operands().stream().map(Unparser::mask).toList(), Span.NONE);
            case Mask.Not n -> new MaskExpr.Not(mask(n.operand()), Span.NONE);
            case Mask.TopKBlocks t -> call("topk_blocks", t.block(), t.k());
            case Mask.XAttention x -> new MaskExpr.Call(Name.of("xattention"), List.of(arg(quantity(x.block(), "")),
                    arg(quantity(x.stride(), "")), arg(number(x.threshold(), ""))), Span.NONE);
            case Mask.Nsa n -> call("nsa", n.compress(), n.stride(), n.selectBlock(), n.selectCount(), n.window());
        };
    }

    private static MaskExpr.Call call(String fn, long... args) {
        return new MaskExpr.Call(Name.of(fn), Arrays.stream(args).mapToObj(a -> arg(quantity(a, ""))).toList(), Span.NONE);
    }

    private static MaskExpr.Arg arg(Word.Quantity q) {
        return new MaskExpr.Arg(Optional.empty(), q, Span.NONE);
    }

    // ---- routers --------------------------------------------------------------------------

    public static Decl.RouterDecl router(RouterSpec r) {
        List<Property> props = new ArrayList<>();
        props.add(property("pool", item(quantity(r.pool(), ""))));
        props.add(property("hidden", item(number(r.hidden(), "x"))));
        r.weights().ifPresent(w -> props.add(property("weights", item(new Word.Str(w, Span.NONE)))));
        if (r.sparseRatio().isPresent()) {
            props.add(property("sparse_ratio", item(number(r.sparseRatio().getAsDouble(), ""))));
        }
        return new Decl.RouterDecl(Name.of(r.name()), props, List.of(), List.of(), Comments.NONE, Span.NONE);
    }

    // ---- targets --------------------------------------------------------------------------

    public static Decl.TargetDecl target(TargetSpec t) {
        boolean gpu = t.kind() == TargetSpec.Kind.GPU;
        String per = gpu ? "/sm" : "/core";
        List<Property> props = new ArrayList<>();
        props.add(property("backend", item(ident(t.backend().spelling()))));
        if (!t.arch().isEmpty()) {
            props.add(property("arch", item(ident(t.arch()))));
        }
        props.add(property(gpu ? "sms" : "cores", item(quantity(t.units(), ""))));
        props.add(property("clock", item(number(t.clockHz(), "Hz"))));
        rates("tensor", t.tensorFlops(), per).ifPresent(props::add);
        rates("fma", t.vectorFlops(), per).ifPresent(props::add);
        if (gpu || t.sfuOps() > 0) {
            props.add(property("sfu", item(number(t.sfuOps(), "op/cycle" + per))));
        }
        if (gpu) {
            List<Item> smem = new ArrayList<>();
            if (t.sharedMemPerUnit() > 0) {
                smem.add(item(quantity(t.sharedMemPerUnit(), "B" + per)));
            }
            if (t.sharedMemPerBlock() > 0) {
                smem.add(item(quantity(t.sharedMemPerBlock(), "B/block")));
            }
            props.add(new Property(Name.of("smem"), smem, Comments.NONE, Span.NONE));
            props.add(property("regs", item(quantity(t.registersPerUnit(), per))));
            props.add(property("threads", item(quantity(t.maxThreadsPerUnit(), per))));
            props.add(property("blocks", item(quantity(t.maxBlocksPerUnit(), per))));
        } else {
            props.add(property("simd", item(quantity(t.simdBits(), "bit"))));
            props.add(property("threads", item(quantity(t.maxThreadsPerUnit(), per))));
        }
        t.l1().ifPresent(l -> props.add(memory("l1", l, per, t.kind())));
        props.add(memory("l2", t.l2(), per, t.kind()));
        t.l3().ifPresent(l -> props.add(memory("l3", l, per, t.kind())));
        props.add(memory(gpu ? "hbm" : "dram", t.dram(), per, t.kind()));
        if (t.launchOverhead() != 0) {
            props.add(property("launch", item(number(t.launchOverhead(), "s"))));
        }
        return new Decl.TargetDecl(Name.of(t.name()), Optional.empty(), props, List.of(), List.of(), Comments.NONE, Span.NONE);
    }

    private static Optional<Property> rates(String key, Map<DType, Double> rates, String per) {
        List<Item> items = new ArrayList<>();
        for (DType d : DType.values()) {
            if (rates.containsKey(d)) {
                items.add(item(ident(d.spelling()), number(rates.get(d), "flop/cycle" + per)));
            }
        }
        return items.isEmpty() ? Optional.empty() : Optional.of(new Property(Name.of(key), items, Comments.NONE, Span.NONE));
    }

    private static Property memory(String key, MemoryLevel level, String per, TargetSpec.Kind kind) {
        List<Item> items = new ArrayList<>();
        items.add(item(quantity(level.bytes(), level.perUnit() ? "B" + per : "B")));
        if (level.bytesPerSecond() > 0) {
            items.add(item(number(level.bytesPerSecond(), "B/s")));
        }
        if (level.latency() > 0) {
            items.add(item(ident("latency"), number(level.latency(), "s")));
        }
        if (level.ways() > 0) {
            items.add(item(ident("ways"), quantity(level.ways(), "")));
        }
        if (level.lineBytes() != TargetFigures.defaultLine(kind, key)) {
            items.add(item(ident("line"), quantity(level.lineBytes(), "B")));
        }
        return new Property(Name.of(key), items, Comments.NONE, Span.NONE);
    }

    // ---- syntax -----------------------------------------------------------------------------

    private static Property property(String key, Item... items) {
        return new Property(Name.of(key), List.of(items), Comments.NONE, Span.NONE);
    }

    private static Item item(Word... words) {
        return new Item(List.of(words), Span.NONE);
    }

    private static Item named(String key, long value) {
        return item(ident(key), quantity(value, ""));
    }

    private static Word.Ident ident(String text) {
        return new Word.Ident(text, Span.NONE);
    }

    private static Word.Quantity quantity(long value, String unit) {
        return new Word.Quantity(Long.toString(value), unit, Span.NONE);
    }

    /** A double in the shortest decimal that reads back as the same double. */
    private static Word.Quantity number(double value, String unit) {
        return new Word.Quantity(Double.toString(value), unit, Span.NONE);
    }
}
