//! The materials cache: data keys reused within limits, as Powertools' `AWSEncryptionSDKProvider`
//! does with its local cache, and (unlike Powertools) unwrapped data keys reused on decrypt.
//!
//! Each entry is filled once (concurrent callers wait for the same keyring call) and its use is
//! counted under a short lock that is never held across an await, so the limits are exact under
//! concurrent use.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::error::{Error, Result};

/// The cache limits, with Powertools' names and defaults.
///
/// ```
/// use data_masking::CacheLimits;
/// use std::time::Duration;
/// let l = CacheLimits::default();
/// assert_eq!(l.capacity, 100);
/// assert_eq!(l.max_age, Duration::from_secs(300));
/// assert_eq!(l.max_messages_encrypted, 1 << 32);
/// assert_eq!(l.max_bytes_encrypted, i64::MAX as u64);
/// let l = CacheLimits { max_messages_encrypted: 10, ..CacheLimits::default() };
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheLimits {
    /// Entries kept at most (`local_cache_capacity`); the least recently used goes first.
    pub capacity: usize,
    /// How long a data key is used (`max_cache_age_seconds`).
    pub max_age: Duration,
    /// Messages encrypted under one data key at most (`max_messages_encrypted`).
    pub max_messages_encrypted: u64,
    /// Plaintext bytes encrypted under one data key at most (`max_bytes_encrypted`).
    pub max_bytes_encrypted: u64,
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self {
            capacity: 100,
            max_age: Duration::from_mins(5),
            max_messages_encrypted: 1 << 32,
            max_bytes_encrypted: i64::MAX as u64,
        }
    }
}

impl CacheLimits {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.capacity == 0 || self.max_age.is_zero() || self.max_messages_encrypted == 0 {
            return Err(Error::Config(
                "cache limits must be positive (capacity, max_age, max_messages_encrypted)".into(),
            ));
        }
        Ok(())
    }
}

/// A monotonic clock for the cache's age limit; replace it in tests to move time by hand.
///
/// ```
/// use data_masking::Clock;
/// use std::time::Duration;
/// #[derive(Debug)]
/// struct Frozen;
/// impl Clock for Frozen {
///     fn now(&self) -> Duration { Duration::from_secs(5) }
/// }
/// assert_eq!(Frozen.now(), Duration::from_secs(5));
/// ```
pub trait Clock: Send + Sync + fmt::Debug {
    /// Time elapsed since an arbitrary fixed origin.
    fn now(&self) -> Duration;
}

/// The system's monotonic clock.
#[derive(Debug)]
pub(crate) struct SystemClock(Instant);

impl SystemClock {
    pub(crate) fn new() -> Self {
        Self(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

struct Slot<V> {
    created: Duration,
    last_used: AtomicU64,
    value: OnceCell<Arc<V>>,
    /// Messages and bytes encrypted with this entry.
    usage: Mutex<(u64, u64)>,
}

/// A cache of `V` by `K`, filled once per entry, within [`CacheLimits`].
pub(crate) struct Cache<K, V> {
    limits: CacheLimits,
    clock: Arc<dyn Clock>,
    slots: Mutex<HashMap<K, Arc<Slot<V>>>>,
    tick: AtomicU64,
}

impl<K, V> fmt::Debug for Cache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the map or the counters half-updated.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<K: Hash + Eq + Clone, V> Cache<K, V> {
    pub(crate) fn new(limits: CacheLimits, clock: Arc<dyn Clock>) -> Self {
        Self {
            limits,
            clock,
            slots: Mutex::new(HashMap::new()),
            tick: AtomicU64::new(0),
        }
    }

    /// The live slot for `key`, or a new empty one.
    fn slot(&self, key: &K) -> Arc<Slot<V>> {
        let now = self.clock.now();
        let tick = self.tick.fetch_add(1, Ordering::Relaxed);
        let mut slots = lock(&self.slots);
        if let Some(s) = slots.get(key) {
            if now.saturating_sub(s.created) < self.limits.max_age {
                s.last_used.store(tick, Ordering::Relaxed);
                return Arc::clone(s);
            }
            slots.remove(key);
        }
        // Expired entries go first, then the least recently used, until there is room.
        slots.retain(|_, s| now.saturating_sub(s.created) < self.limits.max_age);
        while slots.len() >= self.limits.capacity {
            let Some(oldest) = slots
                .iter()
                .min_by_key(|(_, s)| s.last_used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            slots.remove(&oldest);
        }
        let slot = Arc::new(Slot {
            created: now,
            last_used: AtomicU64::new(tick),
            value: OnceCell::new(),
            usage: Mutex::new((0, 0)),
        });
        slots.insert(key.clone(), Arc::clone(&slot));
        slot
    }

    fn forget(&self, key: &K, slot: &Arc<Slot<V>>) {
        let mut slots = lock(&self.slots);
        if slots.get(key).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            slots.remove(key);
        }
    }

    /// Whether `messages` messages of `bytes` plaintext bytes in all fit one entry's limits.
    pub(crate) fn fits(&self, messages: u64, bytes: u64) -> bool {
        messages <= self.limits.max_messages_encrypted && bytes <= self.limits.max_bytes_encrypted
    }

    /// The cached value for `key` (made by `make` when absent or expired), for `messages`
    /// messages of `bytes` plaintext bytes in all: each use counts against the message and byte
    /// limits, and an entry that cannot take them all is replaced. Uses that do not
    /// [`fit`](Self::fits) any entry get a value of their own, never cached; callers split a
    /// group of several messages rather than let it come to that.
    pub(crate) async fn get_for_encrypt<F, Fut>(
        &self,
        key: &K,
        messages: u64,
        bytes: u64,
        make: F,
    ) -> Result<Arc<V>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        if !self.fits(messages, bytes) {
            // A message larger than the byte limit never uses a cached key.
            return make().await.map(Arc::new);
        }
        loop {
            let slot = self.slot(key);
            let value = slot
                .value
                .get_or_try_init(|| async { make().await.map(Arc::new) })
                .await?;
            {
                let mut usage = lock(&slot.usage);
                let (count, used) = *usage;
                if count.saturating_add(messages) <= self.limits.max_messages_encrypted
                    && used.saturating_add(bytes) <= self.limits.max_bytes_encrypted
                {
                    *usage = (count + messages, used + bytes);
                    return Ok(Arc::clone(value));
                }
            }
            self.forget(key, &slot);
        }
    }

    /// The cached value for `key`, made by `make` when absent or expired.
    pub(crate) async fn get<F, Fut>(&self, key: &K, make: F) -> Result<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let slot = self.slot(key);
        let value = slot
            .value
            .get_or_try_init(|| async { make().await.map(Arc::new) })
            .await?;
        Ok(Arc::clone(value))
    }

    /// Number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        lock(&self.slots).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Debug, Default)]
    struct Manual(Mutex<Duration>);
    impl Clock for Manual {
        fn now(&self) -> Duration {
            *lock(&self.0)
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn limits_are_exact() {
        rt().block_on(async {
            let clock = Arc::new(Manual::default());
            let limits = CacheLimits {
                capacity: 2,
                max_age: Duration::from_secs(10),
                max_messages_encrypted: 3,
                max_bytes_encrypted: 100,
            };
            let cache: Cache<u8, usize> = Cache::new(limits, clock.clone());
            let made = AtomicUsize::new(0);
            let make = || async { Ok(made.fetch_add(1, Ordering::SeqCst)) };
            for _ in 0..7 {
                cache.get_for_encrypt(&1, 1, 1, make).await.unwrap();
            }
            assert_eq!(
                made.load(Ordering::SeqCst),
                3,
                "3 messages per key: 7 need 3 keys"
            );
            cache.get_for_encrypt(&2, 1, 60, make).await.unwrap();
            cache.get_for_encrypt(&2, 1, 40, make).await.unwrap();
            assert_eq!(made.load(Ordering::SeqCst), 4, "60 + 40 bytes fit one key");
            cache.get_for_encrypt(&2, 1, 1, make).await.unwrap();
            assert_eq!(
                made.load(Ordering::SeqCst),
                5,
                "one more byte needs a new key"
            );
            cache.get_for_encrypt(&2, 1, 101, make).await.unwrap();
            assert_eq!(
                made.load(Ordering::SeqCst),
                6,
                "too large for any cached key"
            );
            *lock(&clock.0) = Duration::from_secs(10);
            cache.get_for_encrypt(&2, 1, 1, make).await.unwrap();
            assert_eq!(made.load(Ordering::SeqCst), 7, "expired");
            // Groups of messages count as their number of messages and bytes in all.
            cache.get_for_encrypt(&5, 2, 10, make).await.unwrap();
            assert_eq!(made.load(Ordering::SeqCst), 8);
            cache.get_for_encrypt(&5, 1, 10, make).await.unwrap();
            assert_eq!(made.load(Ordering::SeqCst), 8, "2 + 1 messages fit one key");
            cache.get_for_encrypt(&5, 2, 10, make).await.unwrap();
            assert_eq!(made.load(Ordering::SeqCst), 9, "3 + 2 messages do not");
            cache.get_for_encrypt(&5, 1, 10, make).await.unwrap();
            assert_eq!(made.load(Ordering::SeqCst), 9, "2 + 1 again");
            assert!(cache.fits(3, 100) && !cache.fits(4, 1) && !cache.fits(1, 101));
            cache.get(&3, make).await.unwrap();
            cache.get(&4, make).await.unwrap();
            assert_eq!(cache.len(), 2, "capacity");
        });
    }
}
