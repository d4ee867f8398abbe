// The exports sit on a per-token path: skip zeroing their stack frames (nothing here reads a local before writing it).
[module: System.Runtime.CompilerServices.SkipLocalsInit]
