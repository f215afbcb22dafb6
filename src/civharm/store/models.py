"""The record of an investigation: incidents, sources, claims, victims and verdicts.

Enumerations come from :mod:`civharm.domain.vocabulary` so that the store, the
file formats and the analysis code share one vocabulary.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from civharm.domain.casualties import casualty_columns, column_name
from civharm.domain.permissions import Role
from civharm.domain.vocabulary import (
    BelligerentAssessment,
    DamageClass,
    DatePrecision,
    Fate,
    GeoPrecision,
    Grade,
    Involvement,
    Sex,
    SourceKind,
    StrikeStatus,
    StrikeType,
)

TERM = 32


class Incident(models.Model):
    """A moment in space and time where sources allege that civilians were harmed."""

    code = models.CharField(max_length=32, unique=True)
    previous_codes = models.JSONField(default=list, blank=True)
    date_start = models.DateField()
    date_end = models.DateField()
    date_precision = models.CharField(max_length=TERM, choices=DatePrecision.choices())
    local_time = models.TimeField(null=True, blank=True)
    place = models.CharField(max_length=200)
    place_ar = models.CharField(max_length=200, blank=True)
    neighbourhood = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geo_precision = models.CharField(
        max_length=TERM, choices=GeoPrecision.choices(), blank=True
    )
    strike_type = models.CharField(
        max_length=TERM, choices=StrikeType.choices(), default=StrikeType.UNKNOWN.value
    )
    infrastructure = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)
    summary_ar = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date_start", "code"]
        indexes = [models.Index(fields=["date_start", "date_end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_end__gte=models.F("date_start")),
                name="incident_window_ordered",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(latitude__isnull=False, longitude__isnull=False)
                ),
                name="incident_coordinates_paired",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class EvidenceFile(models.Model):
    """A file of evidence, addressed by the SHA-256 of its bytes.

    ``stored`` says whether the bytes are in the evidence store (an import may cite a file by
    its hash before anyone has added it). A working copy (a redaction, a transcode, a still)
    is a file of its own that records the original it was ``derived_from`` and how; the
    original never changes. ``confidential`` evidence (an interview's audio, a witness's
    photo) is opened only for the witness-handler role. Every view, download and export is
    recorded in the audit log against ``evidence:<sha256>``: that is the chain of custody.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    stored = models.BooleanField(default=False)
    confidential = models.BooleanField(default=False)
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived_copies"
    )
    derivation = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.sha256


class Source(models.Model):
    """A document or testimony."""

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=TERM, choices=SourceKind.choices())
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)
    url = models.TextField(blank=True)
    original_text = models.TextField(blank=True)
    translated_text = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="sources")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Witness(models.Model):
    """A person interviewed. Only a pseudonymous code is stored in the clear.

    Identity, contact and exact home location are held only as ciphertext; no
    plain-text column for them exists.
    """

    code = models.CharField(max_length=32, unique=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="witnesses"
    )
    interview = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="witnesses"
    )
    identity_ciphertext = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "witnesses"

    def __str__(self) -> str:
        return self.code


class Claim(models.Model):
    """What one source says about one incident.

    Holds a min and a max for each outcome (killed, injured) and category of
    person; the columns are added below from the domain's casualty vocabulary.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    belligerent_blamed = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "source"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "source"], name="one_claim_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.source_id}"


for _outcome, _category, _bound in casualty_columns():
    Claim.add_to_class(
        column_name(_outcome, _category, _bound),
        models.PositiveIntegerField(null=True, blank=True),
    )


class Victim(models.Model):
    """A named or described person killed or injured, as one list records them."""

    key = models.CharField(max_length=100, unique=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="victims")
    name = models.CharField(max_length=300, blank=True)
    name_ar = models.CharField(max_length=300, blank=True)
    sex = models.CharField(max_length=TERM, choices=Sex.choices(), default=Sex.UNKNOWN.value)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    relation = models.CharField(max_length=300, blank=True)
    fate = models.CharField(max_length=TERM, choices=Fate.choices(), default=Fate.KILLED.value)
    date_of_death = models.DateField(null=True, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="victims")
    # The person this record names, as the victim linkage found them (civharm link victims).
    person = models.ForeignKey("Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="records")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "key"]

    def __str__(self) -> str:
        return self.name or self.name_ar or self.key


class BelligerentInvolvement(models.Model):
    """One belligerent's part in one incident, and its own verdict on the allegation."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involvements")
    belligerent = models.CharField(max_length=200)
    involvement = models.CharField(
        max_length=TERM, choices=Involvement.choices(), default=Involvement.SUSPECTED.value
    )
    assessment = models.CharField(
        max_length=TERM,
        choices=BelligerentAssessment.choices(),
        default=BelligerentAssessment.NOT_YET_ASSESSED.value,
    )
    deaths_conceded_min = models.PositiveIntegerField(null=True, blank=True)
    deaths_conceded_max = models.PositiveIntegerField(null=True, blank=True)
    injuries_conceded_min = models.PositiveIntegerField(null=True, blank=True)
    injuries_conceded_max = models.PositiveIntegerField(null=True, blank=True)
    mgrs = models.CharField(max_length=32, blank=True)
    mgrs_accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    statement = models.TextField(blank=True)
    assessed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "belligerent"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "belligerent"], name="one_verdict_per_belligerent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.belligerent} on {self.incident_id}"


class Assessment(models.Model):
    """A grade and strike status given to an incident. Rows are never edited: the
    latest is current, and the rest are its history."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assessments")
    grade = models.CharField(max_length=TERM, choices=Grade.choices())
    strike_status = models.CharField(max_length=TERM, choices=StrikeStatus.choices(), blank=True)
    reason = models.TextField()
    assessed_by = models.CharField(max_length=150)
    assessed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "-assessed_at", "-id"]
        get_latest_by = ["assessed_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.grade}"


class DeclaredStrike(models.Model):
    """One place line of a belligerent's strike release."""

    key = models.CharField(max_length=64, unique=True)
    date = models.DateField(db_index=True)
    country = models.CharField(max_length=100, blank=True)
    place = models.CharField(max_length=200)
    place_id = models.CharField(max_length=100, blank=True)
    strikes = models.PositiveIntegerField(null=True, blank=True)
    engagements = models.PositiveIntegerField(null=True, blank=True)
    tactical_units = models.PositiveIntegerField(null=True, blank=True)
    destroyed = models.JSONField(default=dict, blank=True)
    belligerent = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "place"]

    def __str__(self) -> str:
        return f"{self.date} {self.place}"


class DamageObservation(models.Model):
    """A building or site seen on imagery at a date: one row per site per date."""

    site = models.CharField(max_length=100)
    product = models.CharField(max_length=100, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    observed_on = models.DateField()
    damage_class = models.CharField(max_length=TERM, choices=DamageClass.choices())
    neighbourhood = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["site", "observed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "observed_on", "product"], name="one_observation_per_site_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.observed_on}: {self.damage_class}"


class DatingTask(models.Model):
    """One building for volunteers to date: a series of images of it, in date order, in which
    they mark the last image before its destruction and the first image after it. A gold task
    carries its right answer (``gold_before``, ``gold_after``), which scores the volunteers."""

    code = models.CharField(max_length=100, unique=True)
    site = models.CharField(max_length=100, db_index=True)
    gold_before = models.DateField(null=True, blank=True)
    gold_after = models.DateField(null=True, blank=True)
    answers_wanted = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    @property
    def gold(self) -> bool:
        return self.gold_before is not None

    def __str__(self) -> str:
        return f"{self.code} ({self.site})"


class DatingImage(models.Model):
    """One image of a dating task's series: its date, and its bytes in the evidence store."""

    task = models.ForeignKey(DatingTask, on_delete=models.CASCADE, related_name="images")
    taken_on = models.DateField()
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT,
                                 related_name="dating_images")

    class Meta:
        ordering = ["task", "taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["task", "taken_on"], name="one_image_per_task_date")
        ]


class DatingAnswer(models.Model):
    """A volunteer's answer to a dating task: the gap between two consecutive images in which
    the building was destroyed. ``volunteer`` is the account's user name for answers given in
    the web app, or the volunteer's identifier in an imported file."""

    WEB = "web"
    IMPORTED = "import"

    task = models.ForeignKey(DatingTask, on_delete=models.PROTECT, related_name="answers")
    volunteer = models.CharField(max_length=150)
    before = models.DateField()
    after = models.DateField()
    origin = models.CharField(max_length=10, default=WEB)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "answered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "volunteer"],
                                    name="one_answer_per_task_volunteer")
        ]


class DestructionWindow(models.Model):
    """The days within which a building was destroyed, combined from volunteers' answers
    (:mod:`civharm.analysis.volunteer_dating`): destroyed on a day ``d`` with
    ``before <= d < after``. Replaced whole each time the answers are combined."""

    site = models.CharField(max_length=100, unique=True)
    before = models.DateField()
    after = models.DateField()
    method = models.CharField(max_length=20)
    answers = models.PositiveIntegerField()
    agreement = models.FloatField()
    disputed = models.BooleanField(default=False)
    combined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site"]

    def __str__(self) -> str:
        return f"{self.site}: {self.before} – {self.after}"


class ImportBatch(models.Model):
    """One file brought in: what it was (by SHA-256), when, and what it changed."""

    sha256 = models.CharField(max_length=64, db_index=True)
    file_name = models.CharField(max_length=255)
    imported_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-imported_at"]


class DatabaseFlag(models.Model):
    """Facts about the database as a whole, such as whether it holds simulated data."""

    name = models.CharField(max_length=64, unique=True)
    value = models.CharField(max_length=200)


class StrikeMatch(models.Model):
    """A declared strike found near an incident in place and time by ``civharm match strikes``.

    Rebuilt on every run of the matcher: it is the matcher's finding, not an analyst's.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="strike_matches")
    declared_strike = models.ForeignKey(
        DeclaredStrike, on_delete=models.CASCADE, related_name="matches"
    )
    distance_m = models.FloatField()
    day_offset = models.IntegerField()
    fifty_metre_rule = models.BooleanField(default=False)

    class Meta:
        ordering = ["incident", "distance_m"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "declared_strike"], name="one_match_per_pair")
        ]


class GradeSuggestion(models.Model):
    """The engine's suggested grade and strike status for an incident, with its reason.

    An analyst's Assessment always decides; the suggestion sits beside it.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="grade_suggestion"
    )
    grade = models.CharField(max_length=TERM, choices=Grade.choices())
    strike_status = models.CharField(max_length=TERM, choices=StrikeStatus.choices(), blank=True)
    reason = models.TextField()
    suggested_at = models.DateTimeField(auto_now=True)


class ReportedVerdict(models.Model):
    """One numbered entry of a belligerent's civilian-casualty report, as read from it.

    Every entry is kept, linked or not: the link to an incident is the linker's finding
    (``link_basis`` says on what), and a linked entry also sets that incident's
    BelligerentInvolvement.
    """

    belligerent = models.CharField(max_length=200)
    report = models.CharField(max_length=200)
    line = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    via = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=TERM, choices=BelligerentAssessment.choices())
    reason = models.CharField(max_length=200, blank=True)
    killed = models.PositiveIntegerField(null=True, blank=True)
    injured = models.PositiveIntegerField(null=True, blank=True)
    mgrs = models.CharField(max_length=32, blank=True)
    cited_code = models.CharField(max_length=32, blank=True)
    text = models.TextField(blank=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="reported_verdicts"
    )
    link_basis = models.CharField(max_length=100, blank=True)
    candidates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["belligerent", "report", "line"]
        constraints = [
            models.UniqueConstraint(fields=["belligerent", "report", "line"],
                                    name="one_verdict_per_report_line")
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.number} ({self.status})"


class DuplicateSuggestion(models.Model):
    """Two incidents that are probably one event, for a reviewer to merge or dismiss.

    ``first`` is always the incident with the smaller code, so that a pair is stored once.
    A merge deletes the merged incident and with it the pair; the kept incident lists the
    merged code among its ``previous_codes``. A dismissed pair stays dismissed when the
    suggestions are made again.
    """

    OPEN = "open"
    DISMISSED = "dismissed"
    STATES = [(OPEN, "open"), (DISMISSED, "dismissed")]

    first = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    state = models.CharField(max_length=TERM, choices=STATES, default=OPEN)
    suggested_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "first", "second"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_suggestion_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.score:.2f})"


class Person(models.Model):
    """One person, as the victim linkage found them across lists: every Victim record that
    names them points here. Identities are kept from run to run where their records are."""

    key = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    linked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class LinkDecision(models.Model):
    """An analyst's word on whether two victim records name one person. Never edited: the
    latest decision on a pair is the one in force, and later linkage runs obey it."""

    SAME = "same"
    DIFFERENT = "different"
    CHOICES = [(SAME, "same person"), (DIFFERENT, "different people")]

    first = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=TERM, choices=CHOICES)
    reason = models.TextField(blank=True)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["first", "second"])]


class ReviewPair(models.Model):
    """Two victim records whose match probability fell in the uncertain band, waiting for
    an analyst, with the comparison that put them there. Rebuilt by every linkage run."""

    first = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    explanation = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_review_per_pair")
        ]


class MseEstimate(models.Model):
    """A multiple systems estimate as it was made, with the inputs it was made from, so
    that a published figure can be traced back and made again."""

    created_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=TERM)
    seed = models.BigIntegerField(null=True, blank=True)
    stratum = models.CharField(max_length=200, blank=True)
    observed = models.PositiveIntegerField()
    estimate = models.FloatField()
    lower = models.FloatField()
    upper = models.FloatField(null=True, blank=True)  # none when the interval has no upper bound
    lists = models.JSONField(default=list)
    capture_table = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    details = models.JSONField(default=dict)
    made_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]


class Account(models.Model):
    """A person's role in civharm. Django's user beside it holds the name, the argon2id
    password hash and whether the account is active."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="account")
    role = models.CharField(max_length=TERM, choices=Role.choices())
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role})"


class ApiToken(models.Model):
    """A token for the JSON API. Only its SHA-256 is stored; the token is shown once. It may
    do what its scopes name and its owner's role allows, never more."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class AuditEntry(models.Model):
    """One entry of the append-only audit log. Each entry's hash covers its own fields and
    the hash of the entry before it, so that changing, removing or reordering any entry
    breaks the chain from there on. Database triggers refuse UPDATE and DELETE."""

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    details = models.TextField(blank=True)  # canonical JSON, as hashed
    previous_hash = models.CharField(max_length=64, unique=True)  # the chain cannot fork
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target"]), models.Index(fields=["action"])]

    def __str__(self) -> str:
        return f"{self.id} {self.action} {self.target}"
