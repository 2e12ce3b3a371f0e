package io.attnkit.codegen.c;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Names a generated C-family entry point must not take: keywords of C99/C11 and of C++ (CUDA
 * compiles {@code .cu} files as C++), the qualifiers and types of OpenCL C, and the builtin
 * functions of OpenCL C and CUDA that a kernel of the same name would shadow or clash with.
 */
final class ReservedNames {
    private static final Set<String> NAMES = Set.of(
            // C99 / C11
            "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
            "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
            "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "main",
            // C++
            "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch", "char16_t", "char32_t",
            "class", "compl", "constexpr", "const_cast", "decltype", "delete", "dynamic_cast", "explicit", "export",
            "false", "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
            "or_eq", "private", "protected", "public", "reinterpret_cast", "static_assert", "static_cast", "template",
            "this", "thread_local", "throw", "true", "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor",
            "xor_eq", "std",
            // OpenCL C qualifiers and types
            "kernel", "global", "local", "constant", "read_only", "write_only", "read_write", "uniform", "pipe",
            "half", "uchar", "ushort", "uint", "ulong", "size_t", "ptrdiff_t", "intptr_t", "uintptr_t", "event_t",
            "sampler_t", "image1d_t", "image2d_t", "image3d_t", "image1d_array_t", "image2d_array_t",
            "image1d_buffer_t", "quad", "complex", "imaginary",
            // OpenCL C builtins: work-items, synchronisation, math, common, geometric, integer, relational, vector
            "get_work_dim", "get_global_size", "get_global_id", "get_local_size", "get_local_id", "get_num_groups",
            "get_group_id", "get_global_offset", "barrier", "mem_fence", "read_mem_fence", "write_mem_fence",
            "async_work_group_copy", "wait_group_events", "prefetch", "printf",
            "acos", "acosh", "acospi", "asin", "asinh", "asinpi", "atan", "atan2", "atanh", "atanpi", "atan2pi",
            "cbrt", "ceil", "copysign", "cos", "cosh", "cospi", "erfc", "erf", "exp", "exp2", "exp10", "expm1",
            "fabs", "fdim", "floor", "fma", "fmax", "fmin", "fmod", "fract", "frexp", "hypot", "ilogb", "ldexp",
            "lgamma", "lgamma_r", "log", "log2", "log10", "log1p", "logb", "mad", "maxmag", "minmag", "modf", "nan",
            "nextafter", "pow", "pown", "powr", "remainder", "remquo", "rint", "rootn", "round", "rsqrt", "sin",
            "sincos", "sinh", "sinpi", "sqrt", "tan", "tanh", "tanpi", "tgamma", "trunc",
            "abs", "abs_diff", "add_sat", "hadd", "rhadd", "clamp", "clz", "ctz", "mad_hi", "mad_sat", "max", "min",
            "mul_hi", "rotate", "sub_sat", "upsample", "popcount", "mad24", "mul24",
            "degrees", "mix", "radians", "step", "smoothstep", "sign",
            "cross", "dot", "distance", "length", "normalize", "fast_distance", "fast_length", "fast_normalize",
            "isequal", "isnotequal", "isgreater", "isgreaterequal", "isless", "islessequal", "islessgreater",
            "isfinite", "isinf", "isnan", "isnormal", "isordered", "isunordered", "signbit", "any", "all",
            "bitselect", "select", "shuffle", "shuffle2", "vec_step",
            // CUDA builtins
            "dim3", "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "atomicAdd", "atomicMax",
            "atomicMin", "atomicExch", "atomicCAS", "exp2f", "expf", "logf", "sqrtf", "rsqrtf", "fmaxf", "fminf",
            "fabsf", "powf", "sinf", "cosf", "tanhf", "floorf", "ceilf", "roundf", "truncf", "fmaf", "malloc",
            "free", "memcpy", "memset", "assert");
    /** OpenCL's vector types and conversions: float4, uint16, convert_float, as_float, vload_half, ... */
    private static final Pattern FAMILIES = Pattern.compile(
            "(char|uchar|short|ushort|int|uint|long|ulong|float|double|half|bool)(2|3|4|8|16)"
                    + "|convert_\\w+|as_\\w+|vload\\w*|vstore\\w*|native_\\w+|half_\\w+|atomic_\\w+|atom_\\w+"
                    + "|work_group_\\w+|sub_group_\\w+|read_image\\w*|write_image\\w*|get_image_\\w+");

    private ReservedNames() {
    }

    static boolean contains(String name) {
        return NAMES.contains(name) || FAMILIES.matcher(name).matches();
    }
}
