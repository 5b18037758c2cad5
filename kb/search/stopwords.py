"""Small stop-word lists: only words too common to say anything about what a customer asks."""

STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "a an the and or but of to in on at for from by with about as is are was were be been being am "
        "do does did i me my we our you your it its this that these those there here can could would "
        "should will shall may might must have has had so if then than too very just how what when where "
        "which who why please hi hello thanks thank".split()
    ),
    "fr": frozenset(
        "le la les l un une des du de d et ou mais a au aux en dans sur pour par avec sans ce cet cette ces "
        "est sont etre ai as avons avez ont je j me m tu te t il elle on nous vous ils elles se s mon ma mes "
        "ton ta tes son sa ses notre nos votre vos leur leurs que qu qui quoi comment pourquoi quand ou "
        "ne n pas plus y bonjour merci svp".split()
    ),
    "es": frozenset(
        "el la los las un una unos unas de del y o pero a al en con por para sin es son ser estar esta "
        "este esto yo me mi mis tu te su sus nuestro que como cuando donde no se lo le hola gracias".split()
    ),
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer und oder aber zu in im am an auf fur mit von "
        "bei ist sind war sein ich mich mir mein meine du dich dein er sie es wir ihr uns unser wie was "
        "wann wo warum nicht kein keine hallo danke bitte".split()
    ),
}
