//! The exercise's paced clock: simulated time runs at `speed` times wall
//! time from an anchor, and not at all while paused. Wall time is an input
//! (milliseconds since the Unix epoch), so the clock is a value to test.
//! A pause or speed change re-anchors: it never re-times what is scheduled,
//! it only changes how fast the simulated instant reaches it.

use pocnet_node::SimTime;

use crate::scenario::exercise::{MAX_SPEED, MIN_SPEED, is_pace};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacedClock {
    anchor_wall_ms: i64,
    anchor_sim: SimTime,
    speed: f64,
    paused: bool,
}

/// Why a clock change was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClockError {
    #[error("speed {0} is not a pace: give a number from {MIN_SPEED} to {MAX_SPEED}")]
    Speed(f64),
    #[error("cannot skip back in time: the exercise is at simulated ms {now}, the skip asks for {to}")]
    Backwards { now: i64, to: i64 },
}

impl PacedClock {
    /// A clock standing paused at `start`, to run at `speed` once resumed.
    pub fn new(start: SimTime, speed: f64) -> Result<PacedClock, ClockError> {
        check_speed(speed)?;
        Ok(PacedClock { anchor_wall_ms: 0, anchor_sim: start, speed, paused: true })
    }

    pub fn now(&self, wall_ms: i64) -> SimTime {
        if self.paused {
            return self.anchor_sim;
        }
        let elapsed = (wall_ms - self.anchor_wall_ms).max(0) as f64;
        self.anchor_sim.plus_ms((elapsed * self.speed) as i64)
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn pause(&mut self, wall_ms: i64) {
        self.anchor_sim = self.now(wall_ms);
        self.anchor_wall_ms = wall_ms;
        self.paused = true;
    }

    pub fn resume(&mut self, wall_ms: i64) {
        if self.paused {
            self.anchor_wall_ms = wall_ms;
            self.paused = false;
        }
    }

    pub fn set_speed(&mut self, wall_ms: i64, speed: f64) -> Result<(), ClockError> {
        check_speed(speed)?;
        self.anchor_sim = self.now(wall_ms);
        self.anchor_wall_ms = wall_ms;
        self.speed = speed;
        Ok(())
    }

    /// Jumps to `to`, paused or running as before.
    pub fn set(&mut self, wall_ms: i64, to: SimTime) -> Result<(), ClockError> {
        let now = self.now(wall_ms);
        if to < now {
            return Err(ClockError::Backwards { now: now.ms(), to: to.ms() });
        }
        self.anchor_sim = to;
        self.anchor_wall_ms = wall_ms;
        Ok(())
    }
}

pub fn check_speed(speed: f64) -> Result<(), ClockError> {
    if is_pace(speed) { Ok(()) } else { Err(ClockError::Speed(speed)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_freezes_the_simulated_instant_and_a_speed_change_re_anchors() {
        let mut clock = PacedClock::new(SimTime(1_000), 60.0).unwrap();
        assert_eq!(clock.now(50_000), SimTime(1_000), "paused from the start");
        clock.resume(10_000);
        assert_eq!(clock.now(11_000), SimTime(61_000), "a wall second is a simulated minute");
        clock.pause(12_000);
        assert_eq!(clock.now(99_000), SimTime(121_000), "nothing moves while paused");
        clock.resume(100_000);
        clock.set_speed(101_000, 1.0).unwrap();
        assert_eq!(clock.now(102_000), SimTime(182_000), "the minute at 60x, then a second at 1x");
        assert!(clock.set_speed(0, 0.0).is_err() && clock.set_speed(0, f64::NAN).is_err());
        assert!(clock.set_speed(0, 1e-300).is_err(), "no pace slower than a tenth of real time");
        assert!(matches!(clock.set(102_000, SimTime(0)), Err(ClockError::Backwards { .. })));
    }
}
