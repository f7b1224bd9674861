"""Cue detectors: each fires on its own words and not on near-misses (negated, quoted, or the
same words meaning something else), and the spans point at the right words."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from attune.features import extract, feature_names
from conftest import assert_cue

# (cue, text, context, expected span text or None when the cue must NOT fire)
CASES = [
    ("ownership", "That's on us, and I'm fixing it now.", None, "That's on us"),
    ("ownership", "We got this wrong and I'm sorry.", None, "We got this wrong"),
    ("ownership", "Honestly, our mistake: the form was broken.", None, "our mistake"),
    ("ownership", "We did not get this wrong; the fee is standard.", None, None),
    ("ownership", 'You said "that is on us" but the fee is standard.', None, None),
    ("ownership", "It was never our fault that the parcel was late.", None, None),
    ("apology", "I'm sorry we missed your appointment.", None, "I'm sorry we missed your appointment"),
    ("apology", "Apologies for the wrong size, Mia.", None, "Apologies for the wrong size"),
    ("apology", "We apologise that your refund was late.", None, "We apologise that your refund was late"),
    ("apology", "I'm not sorry for following the rules.", None, None),
    ("apology", "Sorry, but you should have read the terms.", None, None),
    ("apology", "Sorry if you feel let down.", None, None),
    ("sorry_but", "Sorry, but you should have read the terms.", None, "Sorry, but"),
    ("sorry_but", "I apologise, however the fee stands.", None, "I apologise, however"),
    ("sorry_but", "I'm sorry. However, we cannot refund it.", None, "I'm sorry. However"),
    ("sorry_but", "I'm sorry we got it wrong, and I've refunded you.", None, None),
    ("sorry_but", "But first: sorry we were late.", None, None),
    ("sorry_but", "Sorry to hear that, Jo.", None, None),
    ("conditional_apology", "Sorry if you feel we let you down.", None, "Sorry if"),
    ("conditional_apology", "We apologise if this upset you.", None, "apologise if"),
    ("conditional_apology", "I'm sorry you feel that way.", None, "sorry you feel"),
    ("conditional_apology", "I'm sorry we let you down.", None, None),
    ("conditional_apology", "If you feel unwell, call 111.", None, None),
    ("conditional_apology", "Sorry, I wasn't clear.", None, None),
    ("negated_apology", "I'm not sorry for following the rules.", None, "sorry for following the rules"),
    ("negated_apology", "We will never apologise for our prices.", None, "apologise for our prices"),
    ("negated_apology", "I don't apologise for that.", None, "apologise for that"),
    ("negated_apology", "I'm so sorry, that shouldn't have happened.", None, None),
    ("negated_apology", "Sorry for not calling back.", None, None),
    ("negated_apology", 'You wrote "I am not sorry" in your note.', None, None),
    ("commitment", "I'll call you at 8am tomorrow.", None, "I'll call you at 8am tomorrow"),
    ("commitment", "I've refunded the £40 to your card.", None, "I've refunded the £40 to your card"),
    ("commitment", "We're sending a replacement today.", None, "We're sending a replacement today"),
    ("commitment", "I won't call you again.", None, None),
    ("commitment", "Will you call us tomorrow?", None, None),
    ("commitment", "I understand how you feel.", None, None),
    ("blame_shift", "Our records show the engineer attempted to visit.", None, "Our records show"),
    ("blame_shift", "You failed to submit the form on time.", None, "You failed to submit the form on time"),
    ("blame_shift", "You entered the wrong address at checkout.", None, "You entered the wrong address at checkout"),
    ("blame_shift", "Did you get the form we sent?", None, None),
    ("blame_shift", "You deserve better than this.", None, None),
    ("blame_shift", "Your records are safe with us.", None, None),
    ("agentless_passive", "Mistakes were made in handling your claim.", None, "Mistakes were made"),
    ("agentless_passive", "An error occurred with your payment.", None, "An error occurred"),
    ("agentless_passive", "Errors were made during the migration.", None, "Errors were made"),
    ("agentless_passive", "We made mistakes in handling your claim.", None, None),
    ("agentless_passive", "Your parcel was delivered at noon.", None, None),
    ("agentless_passive", "The mistake was made by our billing team.", None, None),
    ("self_justification", "We take your privacy very seriously.", None, "We take your privacy very seriously"),
    ("self_justification", "We pride ourselves on service.", None, "We pride ourselves"),
    ("self_justification", "We remain committed to our customers.", None, "We remain committed"),
    ("self_justification", "Please take the stairs seriously slowly.", None, None),
    ("self_justification", "I take your point.", None, None),
    ("self_justification", "We will take it back today.", None, None),
    ("minimising", "Only a small number of accounts were affected.", None, "Only a small number"),
    ("minimising", "It was a minor delay.", None, "a minor"),
    ("minimising", "This was an isolated incident.", None, "isolated incident"),
    ("minimising", "Every one of 40,000 accounts was affected.", None, None),
    ("minimising", "It was not a minor delay.", None, None),
    ("minimising", "The delay cost you a day.", None, None),
    ("policy_hiding", "Per our policy, refunds take 30 days.", None, "our policy"),
    ("policy_hiding", "Unfortunately we are unable to help.", None, "Unfortunately we are unable"),
    ("policy_hiding", "This is in accordance with our terms and conditions.", None, "terms and conditions"),
    ("policy_hiding", "I've changed the policy so this won't happen again.", None, None),
    ("policy_hiding", "You are able to cancel at any time.", None, None),
    ("policy_hiding", "We were able to refund it.", None, None),
    ("validation", "You're right that the letter was confusing.", None, "You're right"),
    ("validation", "I can see why that felt unfair.", None, "I can see why"),
    ("validation", "That's a fair point.", None, "a fair"),
    ("validation", "You're not right about the fee.", None, None),
    ("validation", 'You said "you are right to complain" to the driver.', None, None),
    ("validation", "Turn right at the station.", None, None),
    ("contradiction", "That is not correct.", None, "That is not correct"),
    ("contradiction", "You are mistaken about the date.", None, "You are mistaken"),
    ("contradiction", "This is incorrect.", None, "This is incorrect"),
    ("contradiction", "That is correct, the fee was wrong.", None, None),
    ("contradiction", 'You wrote "that is not correct" on the form.', None, None),
    ("contradiction", "Your address is correct now.", None, None),
    ("lecturing", "You should have read the terms.", None, "You should have"),
    ("lecturing", "As clearly stated on our website, fees apply.", None, "As clearly stated"),
    ("lecturing", "Please note that late fees apply.", None, "Please note that"),
    ("lecturing", "We should have told you.", None, None),
    ("lecturing", "You shouldn't have to chase us.", None, None),
    ("lecturing", "Please note down this reference.", None, None),
    ("dismissing", "Please calm down and I'll look at the account.", None, "calm down"),
    ("dismissing", "That's completely normal in a new build, so there's nothing to worry about.", None,
     "completely normal"),
    ("dismissing", "Don't panic, you're probably fine!", None, "Don't panic"),
    ("dismissing", "It's completely normal to feel worried when a payment bounces.", None, None),
    ("dismissing", 'You said the last agent told you to "calm down" and hung up.', None, None),
    ("dismissing", "The reading looked high, and it is not normal, so I've sent an engineer.", None, None),
    ("autonomy", "If you'd prefer a refund, that's fine.", None, "If you'd prefer"),
    ("autonomy", "No pressure either way.", None, "No pressure"),
    ("autonomy", "It's entirely up to you.", None, "entirely up to you"),
    ("pressure", "Last chance: ends tonight!", None, "Last chance"),
    ("pressure", "Hurry, don't miss out!", None, "Hurry"),
    ("pressure", "Only 3 left in stock.", None, "Only 3 left"),
    ("pressure", "There's no hurry at all.", None, None),
    ("pressure", "You won't miss out on anything.", None, None),
    ("pressure", "It's the last chapter of the guide.", None, None),
    ("turning_away", "Thank you for contacting us.", None, "Thank you for contacting"),
    ("turning_away", "Please visit our website for details.", None, "Please visit our"),
    ("turning_away", "See our FAQ for more.", None, "See our FAQ"),
    ("invitation", "Let me know if Thursday works.", None, "Let me know"),
    ("invitation", "Does that work for you?", None, "Does that work"),
    ("invitation", "Please don't hesitate to let me know.", None, "let me know"),
    ("turning_against", "As I already explained, the fee stands.", None, "As I already explained"),
    ("turning_against", "Calm down and read the email.", None, "Calm down"),
    ("turning_against", "That's not our problem.", None, "not our problem"),
    ("formulaic", "We apologise for any inconvenience caused.", None, "We apologise for any inconvenience"),
    ("formulaic", "Your call is important to us.", None, "Your call is important"),
    ("formulaic", "Dear Customer, your order has shipped.", None, "Dear Customer"),
    ("formulaic", "The delay was a real inconvenience for you, I know.", None, None),
    ("formulaic", "Dear Maria, your order has shipped.", None, None),
    ("formulaic", "Your call with Sam is booked for 3pm.", None, None),
    ("false_intimacy", "Hey bestie, we've missed you!", None, "Hey bestie"),
    ("false_intimacy", "We miss you, come back!", None, "We miss you"),
    ("false_intimacy", "Hey friend, it's been a while.", None, "Hey friend"),
    ("compassion", "I'm so sorry for your loss.", None, "sorry for your loss"),
    ("compassion", "Take all the time you need.", None, "Take all the time you need"),
    ("compassion", "My condolences to you and your family.", None, "My condolences"),
    ("empathic_validation", "Anyone would be upset after that.", None, "Anyone would"),
    ("empathic_validation", "That's completely understandable.", None, "completely understandable"),
    ("empathic_validation", "No wonder you're fed up.", None, "No wonder"),
    ("human_voice", "Your refund is on its way.\n\nBest,\nPriya", None, "Priya"),
    ("human_voice", "Refunded today. - Jas", None, "Jas"),
    ("human_voice", "Hi, my name is Omar from the billing team.", None, "my name is Omar"),
    ("human_voice", "Your refund is on its way.\n\nKind regards,\nCustomer Services Team", None, None),
    ("human_voice", "Your refund is on its way.", None, None),
    ("human_voice", "Your refund is on its way.\n\nThe Management", None, None),
    ("emotion_named", "I can hear how worried you are.", "I'm so worried about the rent.", "I can hear how"),
    ("emotion_named", "How frustrating, after three calls.", "This is the third call, I'm fed up.", "How frustrating"),
    ("emotion_named", "That must be worrying with the move so close.", "We move on Friday and the meter's broken, help!", "must be worrying"),
    ("clarifying_question", "Just to check: was it the 14:10 train?", None, "Just to check"),
    ("clarifying_question", "Could you confirm the order number?", None, "Could you confirm"),
    ("clarifying_question", "Can you tell me which branch it was?", None, "Can you tell me"),
    ("boilerplate", "We are looking into this matter.", None, "looking into this"),
    ("boilerplate", "Thank you for your patience.", None, "Thank you for your patience"),
    ("boilerplate", "We value your feedback.", None, "We value your feedback"),
    ("shouting", "PLEASE read this NOW.", None, "PLEASE"),
    ("shouting", "Your PIN and IBAN are below.", None, None),
    ("excuse", "Delays were due to high volumes.", None, "due to"),
    ("excuse", "This was beyond our control.", None, "beyond our control"),
    ("excuse", "Our supplier sent the wrong part.", None, "Our supplier"),
]


@pytest.mark.parametrize("cue,text,context,expected", CASES, ids=[f"{c[0]}:{c[1][:30]}" for c in CASES])
def test_cue(parse, cue, text, context, expected):
    assert_cue(parse, cue, text, context, expected)


def test_every_cue_has_cases():
    from attune.features import cue_table

    tested = {c[0] for c in CASES}
    structural = {"emotion_echo", "stakes_reflected", "repetition_noticed", "emotion_unprompted",
                  "emotion_ignored", "time_bound", "early_address", "restatement", "detail_carried",
                  "specificity", "full_apology", "upsell", "both_and", "counter_attack", "denial",
                  "formulaic_understanding", "emoji_misfit"}
    missing = set(cue_table()) - tested - structural
    assert not missing, f"cues without tests: {sorted(missing)}"


ANGRY = "Third time I'm writing. The engineer never showed up AGAIN and I took a day off work for it."
NEUTRAL = "Hi, could you tell me when the engineer is booked to visit?"
REPLY = "I'm sorry the engineer didn't come again after you took a day off work. That must be so frustrating."


def test_context_changes_awareness_and_understanding_features(parse):
    doc = parse(REPLY)
    angry, neutral = extract(doc, parse(ANGRY)), extract(doc, parse(NEUTRAL))
    assert angry.hits.get("repetition_noticed") and not neutral.hits.get("repetition_noticed")
    assert angry.hits.get("stakes_reflected") and not neutral.hits.get("stakes_reflected")
    assert neutral.hits.get("emotion_unprompted") and not angry.hits.get("emotion_unprompted")
    assert angry.values["restatement_share"] > neutral.values["restatement_share"]
    assert angry.values["ctx_emotion"] > 0 == neutral.values["ctx_emotion"]


def test_ignoring_an_emotional_customer_is_a_feature(parse):
    cold = parse("Appointments can be rebooked online at any time.")
    assert extract(cold, parse(ANGRY)).values["emotion_ignored"] > 0
    assert extract(cold, parse(NEUTRAL)).values["emotion_ignored"] == 0


def test_restatement_carries_numbers_and_names(parse):
    ctx = parse("Order 55120 from Lumen & Oak never arrived and I paid £64.99.")
    doc = parse("Order 55120 left Lumen & Oak on Monday; I've refunded the £64.99 today.")
    feats = extract(doc, ctx)
    carried = [doc.text[s:e] for s, e in feats.hits["detail_carried"]]
    assert any("55120" in c for c in carried) and any("64.99" in c for c in carried)


def test_feature_vector_is_complete_and_finite(parse):
    import numpy as np

    feats = extract(parse(REPLY), parse(ANGRY))
    vec = feats.vector()
    assert vec.shape == (len(feature_names()),)
    assert np.isfinite(vec).all()


def test_quoted_customer_words_do_not_count_as_the_agents(parse):
    doc = parse('You wrote that our service is "a disgrace and a joke". Our mistake, I agree.')
    feats = extract(doc, parse("Your service is a disgrace and a joke."))
    assert feats.hits.get("ownership")
    assert "restatement" in feats.hits  # the quote still shows the agent read the message


@pytest.mark.parametrize("text, shouting", [
    ("Membership no. IV-30815, moving to Leeds.", False),   # the letters of a reference
    ("Policy MTR-448120, my mum's car.", False),
    ("I switched to the EV tariff last month.", False),       # an acronym
    ("This is the THIRD time I've called.", True),
    ("I need it NOW.", True),
])
def test_capitals_in_codes_and_acronyms_are_not_shouting(parse, text, shouting):
    from attune.features.context import signals

    s = signals(parse(text), text)
    assert (s.caps > 0) is shouting
    assert ("anger" in s.families) is shouting


def test_exclamations_of_relief_are_not_frustration(parse):
    from attune.features.context import signals

    relief = "it went through!!! oh thank god"
    assert "frustration" not in signals(parse(relief), relief).families
    fed_up = "Still no refund!!! Third week now"
    assert "frustration" in signals(parse(fed_up), fed_up).families


def test_ngrams_carry_their_spans_and_behave_as_a_list(parse):
    import pickle

    text = "Refund of £12.40 sent today."
    grams = extract(parse(text)).grams
    as_list = list(grams)
    assert ("refund", 0, 6) in as_list and ("00.00", 11, 16) in as_list  # digits mapped to 0
    assert ("refund of", 0, 9) in as_list
    for gram, start, end in as_list:  # each span covers its words, from the first to the last
        words = gram.split(" ")
        span = text[start:end].lower().replace("12.40", "00.00")
        assert span.startswith(words[0]) and span.endswith(words[-1]), (gram, span)
    assert grams == as_list and grams[1:3] == as_list[1:3] and len(grams) == len(as_list)
    assert pickle.loads(pickle.dumps(grams)) == grams


SCOPE_TEXTS = [
    "We did not get this wrong; the fee is standard.",
    "It was never our fault that the parcel was late, and nobody ignored you.",
    "Don't hesitate to call me if the engineer doesn't arrive by 9am.",
    "I can't say I'm sorry for the policy, but I won't refuse a refund - not today.",
    "No one here forgot you.\n\nNothing was lost , neither the box nor the receipt ( none ).",
    "Not our mistake? I'm not sure that's right: we never sent the code.",
]


def test_negation_read_from_the_view_agrees_with_the_parse(parse):
    """The detectors read negation and span roots from the flat DocView; on every span of
    up to five tokens they give what spaCy's Span.root and the Token-based check give."""
    from attune.features._spans import is_negated, negated, span_root
    from attune.features._view import view

    checked = negated_spans = 0
    for text in SCOPE_TEXTS:
        doc = parse(text)
        v = view(doc, text)
        for start in range(len(doc)):
            for end in range(start + 1, min(start + 6, len(doc) + 1)):
                span = doc[start:end]
                assert span_root(v, start, end) == span.root.i, span.text
                assert negated(v, start, end) == is_negated(span), span.text
                negated_spans += negated(v, start, end)
                checked += 1
    assert checked > 300 and negated_spans > 20  # the texts exercise both answers


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("abJo -–—~.!?()'’÷\n\t\u00a0")
                                + ["thanks ", "Best,", "Ann-Marie", "O'Neil", "Jo (Support)"]),
                max_size=12).map("".join) | st.text(max_size=30))
@example("Best, Jo (Support)\n")
@example("Thanks again.\n- Ann-Marie")
@example("thanks O'")
@example("Sorted. ~ Jo-")
@example("Cheers, Jo÷  ")
def test_the_sign_off_shortcut_never_skips_a_signed_name(text):
    """signoff_hits skips its whole-text search when the text cannot end in a signed name;
    whenever the search would match, the shortcut lets it run."""
    from attune.features import cues

    if cues._SIGNED_AT_START.match(text) or cues._SIGNED_AFTER.search(text):
        assert cues._may_end_signed(text)
