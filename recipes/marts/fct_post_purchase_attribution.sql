-- description: Post-purchase attribution: the answers to a "how did you hear about us" question per day, survey tool, survey and channel, with their count and share of that survey's answers that day.
-- incremental: date
-- grain: tenant_id, date, platform, survey_id, channel
-- not_null: responses, share_of_responses
-- check: responses > 0
-- check: share_of_responses > 0 and share_of_responses <= 1
-- finite: share_of_responses
-- relationship: platform -> int_source_platforms
--
-- From fct_survey_responses (Typeform, SurveyMonkey, Qualtrics...):
--   1. the question: its text contains a pattern of the replaceable seed
--      post_purchase_questions.csv ("hear about us", "find us", ...; lower-cased). When one
--      response answers several such questions, only its first (by question_id) counts, so a
--      response is counted once; an empty answer is no answer;
--   2. the channel: the answer contains a pattern of the replaceable seed
--      post_purchase_channels.csv (pattern, channel, priority: "tiktok" -> tiktok_ads,
--      "instagram" / "facebook" -> facebook_ads, "google" -> google_ads, "podcast" -> podcast,
--      "friend" -> word_of_mouth ...; lower-cased); when several patterns match ("a friend
--      on instagram"), the lowest priority wins, then the channel name first in alphabetical
--      order; an answer no pattern matches is channel other.
--   share_of_responses = responses / the responses of that tenant, day, platform and survey.
with questions as (
    select distinct lower(trim(pattern)) as pattern
    from post_purchase_questions
    where trim(pattern) <> ''
),

channels as (
    select lower(trim(pattern)) as pattern, max(channel) as channel, min(cast(priority as integer)) as priority
    from post_purchase_channels
    where trim(pattern) <> ''
    group by lower(trim(pattern))
),

asked as (
    select distinct
        r.tenant_id,
        r.platform,
        r.response_date,
        r.survey_id,
        r.response_id,
        r.question_id,
        lower(r.answer) as answer
    from fct_survey_responses as r
    inner join questions on lower(coalesce(r.question, '')) like '%' || questions.pattern || '%'
    where trim(coalesce(r.answer, '')) <> ''
),

first_question as (
    select tenant_id, platform, survey_id, response_id, min(question_id) as question_id
    from asked
    group by tenant_id, platform, survey_id, response_id
),

matched as (
    select a.tenant_id, a.platform, a.response_date, a.survey_id, a.response_id, channels.channel, channels.priority
    from asked as a
    inner join first_question as f
        on f.tenant_id = a.tenant_id
        and f.platform = a.platform
        and f.survey_id = a.survey_id
        and f.response_id = a.response_id
        and f.question_id = a.question_id
    left join channels on a.answer like '%' || channels.pattern || '%'
),

best as (
    select tenant_id, platform, survey_id, response_id, min(priority) as priority
    from matched
    group by tenant_id, platform, survey_id, response_id
),

answered as (
    select
        m.tenant_id,
        m.platform,
        m.response_date,
        m.survey_id,
        m.response_id,
        coalesce(min(case when m.priority = best.priority then m.channel end), 'other') as channel
    from matched as m
    inner join best
        on best.tenant_id = m.tenant_id
        and best.platform = m.platform
        and best.survey_id = m.survey_id
        and best.response_id = m.response_id
    group by m.tenant_id, m.platform, m.response_date, m.survey_id, m.response_id
),

counts as (
    select tenant_id, response_date as date, platform, survey_id, channel, count(*) as responses
    from answered
    group by tenant_id, response_date, platform, survey_id, channel
)

select
    tenant_id,
    date,
    platform,
    survey_id,
    channel,
    cast(responses as bigint) as responses,
    cast(responses as double) / nullif(sum(responses) over (partition by tenant_id, date, platform, survey_id), 0) as share_of_responses
from counts
