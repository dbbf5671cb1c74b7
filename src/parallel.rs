//! A small work-sharing map over scoped threads, for `starter new`'s rendering and writing.

use crate::render::RenderedFile;
use crate::template::TemplateFile;

/// `f` over `items` on up to four threads, the largest items first so that one big file does
/// not finish last; results in the order of `items`. Rendering (Liquid's parser) and
/// creating files (the kernel's inode work) are CPU-bound: this divides `starter new`'s wall
/// time by the cores available.
pub(crate) fn map<'a, T, R, F>(items: &[&'a T], f: F) -> Vec<R>
where
    T: Sync + Weight,
    R: Send,
    F: Fn(&'a T) -> R + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(|item| f(item)).collect();
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(items[i].weight()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&i) = order.get(k) else { break };
                        done.push((i, f(items[i])));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            // A panic in `f` is a bug: carry it to the caller.
            let done = worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            for (i, r) in done {
                slots[i] = Some(r);
            }
        }
    });
    slots.into_iter().flatten().collect()
}

/// Roughly how long an item takes to process.
pub(crate) trait Weight {
    fn weight(&self) -> usize;
}

impl Weight for TemplateFile {
    fn weight(&self) -> usize {
        self.contents.len()
    }
}

impl Weight for RenderedFile {
    fn weight(&self) -> usize {
        self.contents.len()
    }
}
