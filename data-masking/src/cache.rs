//! The materials cache: data keys reused within limits, as Powertools' `AWSEncryptionSDKProvider`
//! does with its local cache, and (unlike Powertools) unwrapped data keys reused on decrypt.
//!
//! Each entry is filled once (concurrent callers wait for the same keyring call) and its use is
//! counted under a short lock that is never held across an await, so the limits are exact under
//! concurrent use.
//!
//! Entries are partitioned by the keyrings that made them: a keyring that can be taken out of
//! use (a tenant's keyring in a [`TenantKeyring`](crate::keys::TenantKeyring)) notes its
//! [`Liveness`] while it makes an entry, the entry keeps those notes, and an entry any of whose
//! keyrings has been retired is never used again: it is dropped (with its data key) on the next
//! lookup of the cache, and a lookup that finds it while it is still filling makes a new one
//! through the keyring, which then fails.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// How many keyrings have been retired in this process: a cache that sees it change drops
/// its entries of retired keyrings.
static RETIREMENTS: AtomicU64 = AtomicU64::new(0);

/// Whether a keyring is still in use, shared by the keyring's owner and the cache entries made
/// with it.
#[derive(Debug, Default)]
pub(crate) struct Liveness(AtomicBool);

impl Liveness {
    /// Takes the keyring out of use: no cache entry made with it is used again.
    pub(crate) fn retire(&self) {
        // The flag is set before the count moves, so a cache that sees the new count sees it.
        if !self.0.swap(true, Ordering::SeqCst) {
            RETIREMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Whether the keyring is still in use.
    pub(crate) fn is_live(&self) -> bool {
        !self.0.load(Ordering::SeqCst)
    }
}

tokio::task_local! {
    /// The keyrings noted while a cache entry is being made.
    static USED: RefCell<Vec<Arc<Liveness>>>;
}

/// Notes that the keyring of `live` takes part in making the cache entry being made on this
/// task, if any (outside a cache fill it does nothing).
pub(crate) fn note_used(live: &Arc<Liveness>) {
    // Outside a fill there is nothing to note.
    let _ = USED.try_with(|used| used.borrow_mut().push(Arc::clone(live)));
}

/// The output of `fut`, with the keyrings noted while it ran.
async fn recording<F: Future>(fut: F) -> (F::Output, Vec<Arc<Liveness>>) {
    USED.scope(RefCell::new(Vec::new()), async {
        let out = fut.await;
        let used = USED.with(RefCell::take);
        (out, used)
    })
    .await
}

/// A filled entry: its value and the keyrings that made it.
struct Filled<V> {
    value: Arc<V>,
    keyrings: Vec<Arc<Liveness>>,
}

impl<V> Filled<V> {
    fn is_live(&self) -> bool {
        self.keyrings.iter().all(|k| k.is_live())
    }
}

struct Slot<V> {
    created: Duration,
    last_used: AtomicU64,
    value: OnceCell<Filled<V>>,
    /// Messages and bytes encrypted with this entry.
    usage: Mutex<(u64, u64)>,
}

/// A cache of `V` by `K`, filled once per entry, within [`CacheLimits`].
///
/// What one caller can make it hold is bounded: a slot whose fill fails is removed at once (so
/// failing lookups, such as decrypts of messages nobody can unwrap, neither stay nor evict good
/// entries: only a filled slot is admitted against the capacity), and expired entries are
/// purged on every lookup, hit or miss.
pub(crate) struct Cache<K, V> {
    limits: CacheLimits,
    clock: Arc<dyn Clock>,
    slots: Mutex<Slots<K, V>>,
    tick: AtomicU64,
}

/// The entries, the creation time of the oldest (so that a lookup knows without a scan
/// whether any entry has expired) and the count of retired keyrings when they were last
/// checked.
struct Slots<K, V> {
    map: HashMap<K, Arc<Slot<V>>>,
    oldest: Duration,
    retirements: u64,
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
            slots: Mutex::new(Slots {
                map: HashMap::new(),
                oldest: Duration::ZERO,
                retirements: RETIREMENTS.load(Ordering::SeqCst),
            }),
            tick: AtomicU64::new(0),
        }
    }

    /// The live slot for `key`, or a new empty one (not yet counted against the capacity:
    /// see [`admit`](Self::admit)). Expired entries and those of retired keyrings are purged
    /// first.
    fn slot(&self, key: &K) -> Arc<Slot<V>> {
        let now = self.clock.now();
        let tick = self.tick.fetch_add(1, Ordering::Relaxed);
        let max_age = self.limits.max_age;
        let mut slots = lock(&self.slots);
        let retirements = RETIREMENTS.load(Ordering::SeqCst);
        if retirements != slots.retirements {
            slots.retirements = retirements;
            slots
                .map
                .retain(|_, s| s.value.get().is_none_or(Filled::is_live));
        }
        if !slots.map.is_empty() && now.saturating_sub(slots.oldest) >= max_age {
            slots
                .map
                .retain(|_, s| now.saturating_sub(s.created) < max_age);
            slots.oldest = slots.map.values().map(|s| s.created).min().unwrap_or(now);
        }
        if let Some(s) = slots.map.get(key) {
            s.last_used.store(tick, Ordering::Relaxed);
            return Arc::clone(s);
        }
        let slot = Arc::new(Slot {
            created: now,
            last_used: AtomicU64::new(tick),
            value: OnceCell::new(),
            usage: Mutex::new((0, 0)),
        });
        if slots.map.is_empty() {
            slots.oldest = now;
        }
        slots.map.insert(key.clone(), Arc::clone(&slot));
        slot
    }

    /// Counts a freshly filled `slot` against the capacity: the least recently used of the
    /// other filled entries go until the filled ones fit. Slots still being filled are neither
    /// counted nor evicted.
    fn admit(&self, slot: &Arc<Slot<V>>) {
        let mut slots = lock(&self.slots);
        let mut filled = slots.map.values().filter(|s| s.value.initialized()).count();
        while filled > self.limits.capacity {
            let Some(oldest) = slots
                .map
                .iter()
                .filter(|(_, s)| s.value.initialized() && !Arc::ptr_eq(s, slot))
                .min_by_key(|(_, s)| s.last_used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            slots.map.remove(&oldest);
            filled -= 1;
        }
    }

    fn forget(&self, key: &K, slot: &Arc<Slot<V>>) {
        let mut slots = lock(&self.slots);
        if slots.map.get(key).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            slots.map.remove(key);
        }
    }

    /// The value of `slot` (filled by `make` when empty); a slot whose fill fails is removed,
    /// one this call filled is admitted. `None` when a keyring that made the value has been
    /// retired: the slot is removed, and the caller looks up again.
    async fn fill<F, Fut>(&self, key: &K, slot: &Arc<Slot<V>>, make: F) -> Result<Option<Arc<V>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let mut filled_here = false;
        let value = slot
            .value
            .get_or_try_init(|| async {
                filled_here = true;
                let (made, keyrings) = recording(make()).await;
                made.map(|v| Filled {
                    value: Arc::new(v),
                    keyrings,
                })
            })
            .await;
        match value {
            Ok(filled) if filled.is_live() => {
                let v = Arc::clone(&filled.value);
                if filled_here {
                    self.admit(slot);
                }
                Ok(Some(v))
            }
            Ok(_) => {
                self.forget(key, slot);
                Ok(None)
            }
            Err(e) => {
                self.forget(key, slot);
                Err(e)
            }
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
            let Some(value) = self.fill(key, &slot, &make).await? else {
                continue;
            };
            {
                let mut usage = lock(&slot.usage);
                let (count, used) = *usage;
                if count.saturating_add(messages) <= self.limits.max_messages_encrypted
                    && used.saturating_add(bytes) <= self.limits.max_bytes_encrypted
                {
                    *usage = (count + messages, used + bytes);
                    return Ok(value);
                }
            }
            self.forget(key, &slot);
        }
    }

    /// The cached value for `key`, made by `make` when absent, expired or made by a keyring
    /// since retired.
    pub(crate) async fn get<F, Fut>(&self, key: &K, make: F) -> Result<Arc<V>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        loop {
            let slot = self.slot(key);
            if let Some(value) = self.fill(key, &slot, &make).await? {
                return Ok(value);
            }
        }
    }

    /// Number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        lock(&self.slots).map.len()
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

    #[test]
    fn a_failed_fill_leaves_no_slot_and_evicts_nothing() {
        rt().block_on(async {
            let limits = CacheLimits {
                capacity: 2,
                ..CacheLimits::default()
            };
            let cache: Cache<u32, u32> = Cache::new(limits, Arc::new(Manual::default()));
            let made = AtomicUsize::new(0);
            let good = || async { Ok(made.fetch_add(1, Ordering::SeqCst) as u32) };
            cache.get(&1, good).await.unwrap();
            cache.get(&2, good).await.unwrap();
            for bad in 100..200 {
                let e = cache
                    .get(&bad, || async { Err(Error::DecryptKey("no".into())) })
                    .await;
                assert!(e.is_err());
                let e = cache
                    .get_for_encrypt(&bad, 1, 1, || async { Err(Error::EncryptKey("no".into())) })
                    .await;
                assert!(e.is_err());
            }
            assert_eq!(cache.len(), 2, "no slot outlives a failed fill");
            cache.get(&1, good).await.unwrap();
            cache.get(&2, good).await.unwrap();
            assert_eq!(
                made.load(Ordering::SeqCst),
                2,
                "100 failing keys evicted neither good entry"
            );
        });
    }

    #[test]
    fn entries_of_a_retired_keyring_are_dropped_and_never_used() {
        rt().block_on(async {
            let cache: Cache<u32, usize> =
                Cache::new(CacheLimits::default(), Arc::new(Manual::default()));
            let keyring = Mutex::new(Arc::new(Liveness::default()));
            let made = AtomicUsize::new(0);
            let tagged = || async {
                note_used(&lock(&keyring));
                Ok(made.fetch_add(1, Ordering::SeqCst))
            };
            let plain = || async { Ok(100) };
            assert_eq!(*cache.get(&1, tagged).await.unwrap(), 0);
            assert_eq!(*cache.get(&1, tagged).await.unwrap(), 0, "a hit");
            cache.get_for_encrypt(&2, 1, 1, tagged).await.unwrap();
            cache.get(&3, plain).await.unwrap();
            assert_eq!(cache.len(), 3);
            let old = std::mem::take(&mut *lock(&keyring));
            old.retire();
            assert!(!old.is_live());
            cache.get(&3, plain).await.unwrap();
            assert_eq!(
                cache.len(),
                1,
                "any lookup drops the retired keyring's entries"
            );
            assert_eq!(*cache.get(&1, tagged).await.unwrap(), 2, "made again");
            // Retired while an entry is used: the next use makes it again.
            let live = Arc::clone(&lock(&keyring));
            live.retire();
            *lock(&keyring) = Arc::new(Liveness::default());
            assert_eq!(*cache.get(&1, tagged).await.unwrap(), 3);
            // Outside a fill, noting does nothing.
            note_used(&live);
        });
    }

    #[test]
    fn expired_entries_are_purged_on_a_hit_too() {
        rt().block_on(async {
            let clock = Arc::new(Manual::default());
            let limits = CacheLimits {
                capacity: 10,
                max_age: Duration::from_secs(10),
                ..CacheLimits::default()
            };
            let cache: Cache<u32, u32> = Cache::new(limits, clock.clone());
            let make = || async { Ok(0) };
            cache.get(&1, make).await.unwrap();
            *lock(&clock.0) = Duration::from_secs(5);
            cache.get(&2, make).await.unwrap();
            cache.get(&3, make).await.unwrap();
            assert_eq!(cache.len(), 3);
            *lock(&clock.0) = Duration::from_secs(12);
            cache.get(&2, make).await.unwrap(); // a hit
            assert_eq!(cache.len(), 2, "entry 1 expired and went on a hit");
            *lock(&clock.0) = Duration::from_secs(15);
            cache.get(&2, make).await.unwrap(); // a miss: 2 expired, made anew
            assert_eq!(cache.len(), 1, "entries 2 and 3 expired and went");
        });
    }
}
