//! An order-preserving parallel map on std's scoped threads, for `starter new`'s rendering and
//! writing (CPU-bound: Liquid's parser, the kernel's inode work).

/// `f` over `items`, one contiguous chunk per thread (at most four), results in `items`' order.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            // A panic in `f` is a bug: carry it to the caller.
            .flat_map(|part| part.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}
