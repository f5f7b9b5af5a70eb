//! A dossier's per-hop entries: a node works on a few hops of a trace at
//! most, so a short vector sorted by hop beats a tree (a `BTreeMap` leaf
//! takes about a kilobyte even for one entry, and a run has one per
//! incident per node it touched).

use smallvec::SmallVec;

/// The first `INLINE` entries are kept in the dossier itself, the rest in
/// an allocation. A table of small entries most dossiers fill once (the
/// hops begun, the notes) keeps one inline: allocating each took 5% of an
/// engine's instructions. A table of large entries most dossiers leave
/// empty (cases) keeps none: inline, it would make every dossier larger.
#[derive(Debug, Clone)]
pub(super) struct ByHop<T, const INLINE: usize = 1> {
    entries: SmallVec<[(u32, T); INLINE]>,
}

impl<T, const INLINE: usize> Default for ByHop<T, INLINE> {
    fn default() -> Self {
        ByHop { entries: SmallVec::new() }
    }
}

impl<T, const INLINE: usize> ByHop<T, INLINE> {
    fn position(&self, hop: u32) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&hop, |(h, _)| *h)
    }

    /// Sets hop `hop`'s entry; `false` when it already had one (now replaced).
    pub fn insert(&mut self, hop: u32, value: T) -> bool {
        match self.position(hop) {
            Ok(at) => {
                self.entries[at].1 = value;
                false
            }
            Err(at) => {
                // Grown one entry at a time: a node works on a hop or two of
                // a trace, and a vector's first growth would hold four.
                self.entries.reserve_exact(1);
                self.entries.insert(at, (hop, value));
                true
            }
        }
    }

    pub fn contains(&self, hop: u32) -> bool {
        self.position(hop).is_ok()
    }

    pub fn get(&self, hop: u32) -> Option<&T> {
        self.position(hop).ok().map(|at| &self.entries[at].1)
    }

    pub fn get_mut(&mut self, hop: u32) -> Option<&mut T> {
        self.position(hop).ok().map(|at| &mut self.entries[at].1)
    }
}

#[cfg(test)]
mod tests {
    use super::ByHop;

    #[test]
    fn entries_are_found_by_hop_whatever_the_insertion_order_inline_or_not() {
        entries_are_found_by_hop::<0>();
        entries_are_found_by_hop::<1>();
        entries_are_found_by_hop::<4>();
    }

    fn entries_are_found_by_hop<const INLINE: usize>() {
        let mut hops: ByHop<&str, INLINE> = ByHop::default();
        assert!(hops.insert(4, "d"));
        assert!(hops.insert(1, "a"));
        assert!(hops.insert(2, "b"));
        assert!(!hops.insert(1, "A"), "a second insert replaces");
        assert_eq!((hops.get(1), hops.get(2), hops.get(3), hops.get(4)), (Some(&"A"), Some(&"b"), None, Some(&"d")));
        *hops.get_mut(2).unwrap() = "B";
        assert!(hops.contains(2) && !hops.contains(0));
        assert_eq!(hops.get(2), Some(&"B"));
    }
}
