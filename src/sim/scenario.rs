//! Scenarios: the world a simulator run starts from.

use std::path::{Path, PathBuf};

use super::world::World;

/// A scenario could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

/// A parsed scenario.
pub struct Scenario;

impl Scenario {
    /// Reads a scenario file.
    pub fn load(_path: &Path) -> Result<Self, ScenarioError> {
        Ok(Self)
    }

    /// The compiled-in default world.
    pub fn default_world() -> Result<Self, ScenarioError> {
        Ok(Self)
    }

    /// Populates a world.
    pub fn build(&self, _world: &mut World) {}
}
