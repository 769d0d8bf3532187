//! Runs the shell of the example pipelines as the CI services would, so the tests exercise the
//! workflow files themselves rather than a copy of their commands.
//!
//! GitHub Actions: each `run:` step of one job, in order, under `bash --noprofile --norc -eo
//! pipefail` (what `shell: bash` means on a Linux runner), with the workflow, job and step `env`
//! (their `${{ … }}` expressions looked up in the contexts the test gives), `GITHUB_OUTPUT` read
//! back into `steps.<id>.outputs`, and `GITHUB_STEP_SUMMARY` collected. `uses:` steps (checkout,
//! the birdhouse install action: the test puts the freshly built binary on `PATH` instead,
//! artifact upload) and the steps the test names are skipped. A `run:` step with an `if:`, or an
//! expression the test did not provide, fails the test rather than being guessed at; `run:`
//! scripts must not contain expressions at all (they go through `env:`, which is also what keeps
//! them safe from script injection).
//!
//! GitLab CI: one job's `script:` lines in one `bash -eo pipefail` shell (as GitLab Runner's bash
//! does), with the global and job `variables`, `extends` resolved, and the job's `rules:` `if:`
//! conditions evaluated against the predefined variables, so a test also learns whether the job
//! would run in that pipeline. `before_script:` (which installs birdhouse and jq) is skipped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long one step may run before the test fails.
const STEP_DEADLINE: Duration = Duration::from_mins(10);

/// One executed step (or the GitLab job's script).
#[derive(Debug)]
pub(crate) struct StepRun {
    /// The step's `id`, else its `name`.
    pub(crate) id: String,
    pub(crate) code: i32,
    /// stdout, then stderr.
    pub(crate) output: String,
}

/// A job's run.
#[derive(Debug, Default)]
pub(crate) struct JobRun {
    pub(crate) steps: Vec<StepRun>,
    /// Whether every executed step succeeded.
    pub(crate) success: bool,
    /// What the steps appended to `GITHUB_STEP_SUMMARY`.
    pub(crate) summary: String,
}

impl JobRun {
    /// Everything the job printed: what a CI log would show.
    pub(crate) fn log(&self) -> String {
        let mut log = String::new();
        for step in &self.steps {
            let _ = write!(log, "--- {} (exit {})\n{}", step.id, step.code, step.output);
        }
        log
    }

    pub(crate) fn step(&self, id: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("step {id} did not run:\n{}", self.log()))
    }
}

/// Where and with what a job runs.
#[derive(Clone)]
pub(crate) struct Runner {
    /// The checkout: the job's working directory.
    pub(crate) workdir: PathBuf,
    /// Scratch space for step files (outputs, summaries, scripts).
    pub(crate) scratch: PathBuf,
    /// The environment every step starts from (PATH, HOME, the CI service's own variables).
    pub(crate) env: BTreeMap<String, String>,
}

impl Runner {
    /// Runs `job` of the GitHub workflow at `workflow`. `contexts` maps expressions such as
    /// `secrets.NETBIRD_PLAN_TOKEN` or `github.base_ref` to their values; steps whose id is in
    /// `skip` are skipped.
    pub(crate) fn github(
        &self,
        workflow: &Path,
        job: &str,
        contexts: &BTreeMap<&str, String>,
        skip: &[&str],
    ) -> JobRun {
        let doc = load_yaml(workflow);
        let job_doc = &doc["jobs"][job];
        assert!(
            job_doc.is_object(),
            "no job {job} in {}",
            workflow.display()
        );
        for defaults in [&doc["defaults"], &job_doc["defaults"]] {
            if let Some(shell) = defaults["run"]["shell"].as_str() {
                assert_eq!(shell, "bash", "the runner emulates bash steps only");
            }
        }
        let mut outputs: BTreeMap<String, String> = BTreeMap::new();
        let mut run = JobRun {
            success: true,
            ..JobRun::default()
        };
        let steps = job_doc["steps"].as_array().expect("steps");
        for (index, step) in steps.iter().enumerate() {
            let id = step["id"]
                .as_str()
                .or(step["name"].as_str())
                .map_or_else(|| format!("step-{index}"), str::to_owned);
            if step.get("uses").is_some() || skip.contains(&id.as_str()) {
                continue;
            }
            assert!(
                step.get("if").is_none(),
                "step {id}: the runner does not evaluate `if:` on run steps"
            );
            let script = step["run"].as_str().expect("a run step");
            assert!(
                !script.contains("${{"),
                "step {id}: expressions belong in env:, not in the script"
            );
            let mut env = self.env.clone();
            for scope in [&doc["env"], &job_doc["env"], &step["env"]] {
                for (key, value) in scope.as_object().into_iter().flatten() {
                    let text = scalar(value);
                    env.insert(key.clone(), expand(&text, contexts, &outputs, &id));
                }
            }
            let output_file = self.scratch.join(format!("{id}.output"));
            let summary_file = self.scratch.join(format!("{id}.summary"));
            let env_file = self.scratch.join(format!("{id}.env"));
            for file in [&output_file, &summary_file, &env_file] {
                File::create(file).expect("step file");
            }
            env.insert("GITHUB_OUTPUT".into(), path_text(&output_file));
            env.insert("GITHUB_STEP_SUMMARY".into(), path_text(&summary_file));
            env.insert("GITHUB_ENV".into(), path_text(&env_file));
            let step_run = self.shell(
                &id,
                script,
                &env,
                &["--noprofile", "--norc", "-eo", "pipefail"],
            );
            for line in std::fs::read_to_string(&output_file)
                .expect("outputs")
                .lines()
            {
                let (key, value) = line.split_once('=').unwrap_or_else(|| {
                    panic!("step {id}: unsupported GITHUB_OUTPUT line {line:?}")
                });
                outputs.insert(format!("steps.{id}.outputs.{key}"), value.to_owned());
            }
            assert_eq!(
                std::fs::read_to_string(&env_file).expect("env file"),
                "",
                "step {id}: GITHUB_ENV is not emulated"
            );
            run.summary
                .push_str(&std::fs::read_to_string(&summary_file).expect("summary"));
            let failed = step_run.code != 0;
            run.steps.push(step_run);
            if failed {
                run.success = false;
                break;
            }
        }
        run
    }

    /// Runs `job` of the GitLab pipeline at `pipeline` with the predefined and project
    /// `variables`. Returns `None` when the job's rules keep it out of this pipeline.
    pub(crate) fn gitlab(
        &self,
        pipeline: &Path,
        job: &str,
        variables: &BTreeMap<&str, String>,
    ) -> Option<JobRun> {
        let doc = load_yaml(pipeline);
        let job_doc = resolve_extends(&doc, job);
        let mut env = self.env.clone();
        env.extend(variables.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        for scope in [&doc["variables"], &job_doc["variables"]] {
            for (key, value) in scope.as_object().into_iter().flatten() {
                env.insert(key.clone(), scalar(value));
            }
        }
        if !rules_select(&job_doc, &env) {
            return None;
        }
        let lines: Vec<&str> = job_doc["script"]
            .as_array()
            .expect("script")
            .iter()
            .map(|line| line.as_str().expect("script lines are strings"))
            .collect();
        let step = self.shell(job, &lines.join("\n"), &env, &["-eo", "pipefail"]);
        Some(JobRun {
            success: step.code == 0,
            steps: vec![step],
            summary: String::new(),
        })
    }

    /// Runs `script` under bash with exactly `env`, stdout and stderr to files (so a chatty
    /// step cannot block on a full pipe), failing the test past [`STEP_DEADLINE`].
    fn shell(
        &self,
        id: &str,
        script: &str,
        env: &BTreeMap<String, String>,
        flags: &[&str],
    ) -> StepRun {
        let script_file = self.scratch.join(format!("{id}.sh"));
        std::fs::write(&script_file, script).expect("write the step script");
        let stdout_file = self.scratch.join(format!("{id}.stdout"));
        let stderr_file = self.scratch.join(format!("{id}.stderr"));
        let mut child = Command::new("bash")
            .args(flags)
            .arg(&script_file)
            .current_dir(&self.workdir)
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_file).expect("stdout file"))
            .stderr(File::create(&stderr_file).expect("stderr file"))
            .spawn()
            .expect("start bash");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the step") {
                break status;
            }
            if started.elapsed() > STEP_DEADLINE {
                let _ = child.kill();
                panic!("step {id} ran longer than {STEP_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let output = std::fs::read_to_string(&stdout_file).expect("stdout")
            + &std::fs::read_to_string(&stderr_file).expect("stderr");
        StepRun {
            id: id.to_owned(),
            code: status.code().unwrap_or(-1),
            output,
        }
    }
}

/// A YAML file as JSON values (both CI services read YAML 1.2-ish documents of plain maps,
/// lists and strings).
pub(crate) fn load_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read the pipeline");
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn path_text(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_owned()
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        other => panic!("env and variables values are scalars, not {other}"),
    }
}

/// Replaces each `${{ expression }}` in `text` from `contexts` or earlier steps' outputs.
fn expand(
    text: &str,
    contexts: &BTreeMap<&str, String>,
    outputs: &BTreeMap<String, String>,
    step: &str,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("step {step}: unclosed expression in {text:?}"))
            + start;
        let expression = rest[start + 3..end].trim();
        // A step output no step set is empty, as on GitHub; any other unknown value is a
        // mistake of the test.
        let unset_output = expression.starts_with("steps.") && expression.contains(".outputs.");
        let value = contexts
            .get(expression)
            .or_else(|| outputs.get(expression))
            .map(String::as_str)
            .or(unset_output.then_some(""))
            .unwrap_or_else(|| {
                panic!("step {step}: the test provides no value for `{expression}`")
            });
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The job with its `extends` (one template, as the example uses) merged under it: the job's
/// own keys win, `variables` merge.
fn resolve_extends(doc: &Value, job: &str) -> Value {
    let mut merged = doc[job].clone();
    assert!(merged.is_object(), "no job {job}");
    if let Some(template) = merged["extends"].as_str().map(str::to_owned) {
        let base = doc[template.as_str()]
            .as_object()
            .expect("the extended template")
            .clone();
        let own = merged.as_object_mut().expect("job map");
        for (key, value) in base {
            match (own.get_mut(&key), value) {
                (Some(Value::Object(mine)), Value::Object(theirs)) => {
                    for (k, v) in theirs {
                        mine.entry(k).or_insert(v);
                    }
                }
                (Some(_), _) => {}
                (None, value) => {
                    own.insert(key, value);
                }
            }
        }
    }
    merged
}

/// Whether the job's `rules:` let it into a pipeline with these variables: the first rule
/// whose `if:` holds decides (`changes:` counts as met). Understands what the example uses:
/// `$A == "text"`, `$A == $B`, joined by `&&`.
fn rules_select(job: &Value, env: &BTreeMap<String, String>) -> bool {
    let Some(rules) = job["rules"].as_array() else {
        return true;
    };
    let operand = |text: &str| -> String {
        let text = text.trim();
        if let Some(name) = text.strip_prefix('$') {
            env.get(name).cloned().unwrap_or_default()
        } else {
            text.trim_matches('"').to_owned()
        }
    };
    rules.iter().any(|rule| {
        let condition = rule["if"].as_str().unwrap_or("");
        let holds = condition.split("&&").all(|clause| {
            let (left, right) = clause
                .split_once("==")
                .unwrap_or_else(|| panic!("unsupported rule clause {clause:?}"));
            operand(left) == operand(right)
        });
        holds && rule["when"].as_str() != Some("never")
    })
}
