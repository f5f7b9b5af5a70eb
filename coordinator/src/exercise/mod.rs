//! Exercise mode: a paced clock, people playing some countries' desks in
//! the browser, bots (the same state machine as `pocnet run`) the rest.
//!
//! `clock` paces simulated time; `forms` reads what people send; `session`
//! runs the nodes and holds the waiting steps.

pub mod aar;
pub mod aar_page;
pub mod cli;
pub mod clock;
pub mod command;
pub mod correspondence;
pub mod forms;
pub mod injects;
pub mod journal;
pub mod listener;
pub mod live;
pub mod rating;
pub mod rehearsal;
pub mod replay;
pub mod score;
pub mod server;
pub mod session;
pub mod views;
