//! Work on many tenants at once, bounded and in a stable order.

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Semaphore;

/// Runs `work` on every item with at most `parallel` items in flight, and returns the results
/// in the items' order (output must not depend on which tenant answered first). Every request
/// draws from the client's one budget whatever `parallel` is, so it bounds open connections
/// and memory, not the request rate.
pub(super) async fn concurrently<T, R, F, Fut>(
    items: Vec<T>,
    parallel: usize,
    work: F,
) -> anyhow::Result<Vec<R>>
where
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let job = work(item);
        tasks.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("invariant: the semaphore is never closed");
            (index, job.await)
        });
    }
    let mut results: Vec<(usize, R)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.context("a tenant task panicked")?);
    }
    results.sort_by_key(|(index, _)| *index);
    Ok(results.into_iter().map(|(_, result)| result).collect())
}
