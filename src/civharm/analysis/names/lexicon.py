"""Common Arabic names with the Latin spellings lists use for them.

A Latin spelling tells the consonants well but not which vowels are long: Mahmud
and Muhammad share the skeleton ``mhmd``, and only the Arabic (محمود, محمد) says
which has a long u. For names in this lexicon a Latin spelling takes its code from
the Arabic, so it compares with Arabic script as exactly as Arabic script does with
itself. Spellings the lexicon does not know keep the vowels they write.

Lookups go through the phonetic fold of :mod:`civharm.analysis.names.latin`, so one
listed spelling covers its o/u, e/i, ou/oo, doubled-letter variants. A fold that two
names share (Samir سمير and Samer سامر both fold to ``samir``) names neither: such
spellings are left out of the index and listed in :data:`AMBIGUOUS`. A spelling
marked with a trailing underscore in the tables below is withheld as written: it
is another name's as often as this one's (Hamed is حامد, or حمد said the Levantine
way as Ahmed is أحمد), though other spellings that fold like it are not.
"""

from __future__ import annotations

from dataclasses import dataclass

from civharm.analysis.names.arabic import arabic_code, precise_code
from civharm.analysis.names.codes import key_of
from civharm.analysis.names.latin import phonetic
from civharm.analysis.names.script import clean, clean_keeping_maqsura

# Given names and the names families are called after. Arabic | Latin spellings.
NAMES = """
محمد | Muhammad Mohammed Mohamed Mohammad Mohamad Muhammed Mouhamad Mohamud Mhmd Mohd Mhd Muhd
محمد | Mohamd Mohammd Muhamad Mahomed Mohummad
أحمد | Ahmad Ahmed Ahmet Ahmd
محمود | Mahmud Mahmoud Mahmood Mahmut Mahmod
علي | Ali Aly Alee
حسن | Hasan Hassan Hasen Hassen
حسين | Husayn Hussein Hussain Husain Hossein Husein Houssein Hosein Husseyn Hussayn Hossain
خالد | Khalid Khaled Khalead
عمر | Umar Omar Omer Umer Oumar
عثمان | Uthman Othman Osman Usman Outhman Uthmaan Othmane
يوسف | Yusuf Youssef Yousef Yusef Yossef Yousif Yusif Yousuf Youssouf Yusuff
إبراهيم | Ibrahim Ebrahim Ibraheem Brahim Ibrahem Ibraheim Ebraheem
إسماعيل | Ismail Ismael Ismaeel Esmail Ismaiel Ismaaeel Esmaeel
مصطفى | Mustafa Moustafa Mostafa Mustapha Moustapha Mostapha Mustafah
صالح | Salih Saleh
جاسم | Jasim Jassim Jasem Jassem Jaseem
حمود | Hammud Hamoud Hamood Hammoud Hamud
عيسى | Isa Issa Eisa Essa Aissa Eesa Eissa
موسى | Musa Mousa Moussa Mosa Moosa
سليمان | Sulayman Suleiman Sulaiman Suleyman Soliman Sleiman Sulaymaan Slieman Souleiman
يحيى | Yahya Yehya Yahia Yahiya Yehia
فيصل | Faysal Faisal Feisal Faysel Faisel
وليد | Walid Waleed Oualid Walead
ماجد | Majid Majed Maajid
سعيد | Said Saeed
ياسر | Yasir Yasser Yaser Yassir Yasr
طه | Taha
أنس | Anas Anass
بشير | Bashir Basheer Bachir Bashier
حمزة | Hamza Hamzah Hamzeh Hamze
قاسم | Qasim Kasim Qassim Kassem Qasem Kassim Gasim Qaasim
فراس | Firas Feras Firass Ferass
أيمن | Ayman Aiman Eyman Aymen Aimen
ناصر | Nasir Nasser Naser Nassir Nacer
زكريا | Zakariya Zakaria Zakariyya Zakariah Zakarya Zakariyah Zakareya
رضوان | Radwan Ridwan Redwan Rudwan
عمار | Ammar Amar Ammaar
بلال | Bilal Belal Bilaal
حامد | Hamid Haamid Hamed_
جميل | Jamil Jameel Djamil Jamiel
عدنان | Adnan Adnane Adnaan
مروان | Marwan Merwan Marouane Marwaan
حسام | Husam Hussam Hosam Houssam Hossam Husaam
فواز | Fawwaz Fawaz Fauwaz
خليل | Khalil Khaleel Khelil
إدريس | Idris Idriss Edris Idrees
طارق | Tariq Tarek Tarik Tareq Tareck
سمير | Samir Sameer
سامي | Sami Samy Saami
رامي | Rami Ramy
هادي | Hadi Hady Haadi
فادي | Fadi Fady
شادي | Shadi Chadi Shady
بسام | Bassam Basam
هشام | Hisham Hicham Hesham Hishaam
عماد | Imad Emad Imaad
إياد | Iyad Eyad Iyaad
زياد | Ziyad Ziad Zyad Ziyaad
نبيل | Nabil Nabeel Nabiel
عادل | Adil Adel Aadil
جمال | Jamal Djamal Jamaal
كمال | Kamal Kamaal
رياض | Riyad Riad Ryad
سعد | Saad Sad Saadd
حمدي | Hamdi Hamdy
رمضان | Ramadan Ramadane
عباس | Abbas Abass
جعفر | Jafar Jaafar Jaffar Djafar
مازن | Mazin Mazen
نزار | Nizar Nezar
وائل | Wail Wael Waiel
رائد | Raid Raed
هيثم | Haytham Haitham Heitham Haysam Haisam
ليث | Layth Laith Leith Lais
غسان | Ghassan Ghasan Ghassane
حازم | Hazim Hazem
أسامة | Usama Osama Oussama Ousama Usamah Osamah
منير | Munir Mounir Muneer Moneer
نديم | Nadim Nadeem
قصي | Qusay Qusai Kusai Qousai Kusay
سيف | Sayf Saif Seif Sayef Saef
أنور | Anwar Anouar
أكرم | Akram Akrem
أشرف | Ashraf Achraf
أيوب | Ayyub Ayoub Ayub Ayoob Ayyoub
داود | Dawud Daoud Daud Dawood Dawoud Dawod
هارون | Harun Haroun Haroon
نوح | Nuh Nouh Nooh
يونس | Yunus Younes Younis Yunis Younus Younès
ماهر | Mahir Maher
رمزي | Ramzi Ramzy
فوزي | Fawzi Fawzy Fauzi
شكري | Shukri Chokri Shoukri Shukry
مهند | Muhannad Mohannad Mohanad Muhanad
طلال | Talal Talaal
هلال | Hilal Helal
غازي | Ghazi Ghazy
هاني | Hani Hany
جهاد | Jihad Jehad Djihad
وسام | Wisam Wissam Wesam Wassam
مهدي | Mahdi Mehdi Mahdy
محسن | Muhsin Mohsen Mohsin Muhsen
عبود | Abbud Abboud Aboud Abood
عبده | Abdu Abdo Abdou
سالم | Salim Salem Saalim
نادر | Nadir Nader
أمين | Amin Ameen Amine_
ياسين | Yasin Yassin Yassine Yaseen Yasine
كريم | Karim Kareem Krim
عزيز | Aziz Azeez
رشيد | Rashid Rasheed Rachid
بكر | Bakr Bakir Baker Bakar
خلف | Khalaf Khalef
حمد | Hamad Hmad
شيخ | Shaykh Sheikh Shaikh Cheikh
درويش | Darwish Derwish Darwich Darweesh Dervish
خضر | Khidr Khider Khudr Khodr Khadr Khodor Khudur
عساف | Assaf Asaf Assaaf
فرج | Faraj
حمادي | Hammadi Hamadi Hammady
دخيل | Dakhil Dakheel Dakhiel
عبيد | Ubayd Obeid Ubaid Obaid Oubaid
سلامة | Salamah Salama Salameh Slama
عطية | Atiyah Atiya Attia Attiyah Atieh Atiyeh Atiyya Attiya
فياض | Fayyad Fayad
مطر | Matar Mattar
جمعة | Jumah Juma Jumaa Jomaa Jumaah Jomaah Jumaa Jumua
زيد | Zayd Zaid Zeid Zeyd
خطيب | Khatib Khateeb Khatieb
رحال | Rahhal Rahal
حجي | Hajji Hajjy
نجار | Najjar Najar Nejjar
حداد | Haddad Hadad
صعب | Saab Sab
خليفة | Khalifa Khalifah Khalifeh Khalefa
سلطان | Sultan Soltan
حمادة | Hamada Hamadah Hammada
شهاب | Shihab Chehab Shehab
عواد | Awwad Awad Aouad
عكاشة | Ukasha Okasha Akasha
فاطمة | Fatimah Fatima Fatma Fatme Fatmeh Fatemeh Fatmah Fateema Fatouma
عائشة | Aishah Aisha Aicha Ayesha Aysha Aishe Aesha Ayisha Aïcha
مريم | Maryam Mariam Meryem Maryem Mariyam Miriam
خديجة | Khadijah Khadija Khadeeja Khadeejah Khadije Khadidja
زينب | Zaynab Zainab Zeinab Zaineb Zeynab
أمينة | Aminah Amina Ameena Emina
نور | Nur Nour Noor
هدى | Huda Houda Hoda Hudaa
سارة | Sarah Sara Saara
ليلى | Layla Laila Leila Leyla Laylah Lailaa
رقية | Ruqayyah Ruqaya Roukaya Rokaya Ruqaiya Ruqayya Roqaya Rukaya
حليمة | Halimah Halima Haleema Halime
سعاد | Suad Souad Soad Suaad
أسماء | Asma Asmaa Esma
هيفاء | Hayfa Haifa Heifa Haifaa Hayfaa
جميلة | Jamilah Jamila Djamila Jameela
وداد | Widad Wedad Ouidad Wadad Wided
سلمى | Salma Selma Salmah
شيماء | Shayma Shaima Shaimaa Chaimaa Shaymaa
آلاء | Ala Alaa
دعاء | Dua Doaa Duaa Douaa
رغد | Raghad Raghed
بتول | Batul Batoul Batool
لمى | Lama Lamaa
غفران | Ghufran Ghofran Ghoufrane Ghufraan
نسرين | Nisrin Nesrine Nasrin Nesrin Nisreen Nasreen
منى | Muna Mona Mouna Munaa
سميرة | Samirah Samira Sameera
خلود | Khulud Kholoud Khulood Kholood
حنان | Hanan Hanaan
ريم | Rim Reem Riem
أمل | Amal Amel
وفاء | Wafa Wafaa
سمية | Sumayyah Sumaya Soumaya Somaya Sumaiya Sumayya Soumaia
هند | Hind Hend
فدوى | Fadwa Fadoua Fadua Fadwaa
نجاح | Najah
رهف | Rahaf Rahef
بشرى | Bushra Boushra Bouchra Boshra
زهرة | Zahrah Zahra Zohra Zahraa Zohrah
رنا | Rana Ranaa
دينا | Dina Deena
نادية | Nadia Nadiya Nadya
رشا | Rasha Racha
ربى | Ruba Roba
ياسمين | Yasmin Yasmine Yasmeen
هبة | Hiba Heba Hibah
نوال | Nawal Naoual
سمر | Samar
غادة | Ghada Ghadah
لبنى | Lubna Loubna
أميرة | Amira Ameera Amirah
ندى | Nada Nadaa
مها | Maha
عفاف | Afaf
إيمان | Iman Eman Imane
سهام | Siham Seham
سناء | Sana Sanaa
هالة | Hala Halah
سلوى | Salwa Salwah
نجوى | Najwa Najoua
خولة | Khawla Khawlah Khaoula Khoula
بيان | Bayan Baian
سدرة | Sidra Sedra
تسنيم | Tasnim Tasneem
رحمة | Rahma Rahmah
هاجر | Hajar
حياة | Hayat Hayet
"""

# Nouns that follow Abd (a name of God): Abd al-Karim, Abdulrahman, Abdel Aziz.
ABD_NOUNS = """
الله | Allah Ullah Alla Ulla
رحمن | Rahman Rahmane Rahmaan Rehman
كريم | Karim Kareem Krim Kerim
عزيز | Aziz Azeez Aziiz
قادر | Qadir Kader Qader Kadir Qadr Gader
رزاق | Razzaq Razak Razzak Razaq Rezak
حميد | Hamid Hameed Hamied
مجيد | Majid Majeed Madjid
ناصر | Nasir Nasser Naser Nacer
لطيف | Latif Lateef Latief
حليم | Halim Haleem
سلام | Salam Salaam Slam
جبار | Jabbar Jabar
منعم | Munim Moneim Monem Mounim Munem
رحيم | Rahim Raheem
وهاب | Wahhab Wahab
غني | Ghani Ghany
هادي | Hadi Hady
ستار | Sattar Satar
غفور | Ghafur Ghafour Ghafoor
فتاح | Fattah Fatah
باسط | Basit Baset
واحد | Wahid Wahed
حكيم | Hakim Hakeem
مطلب | Muttalib Mutalib Mottaleb
رؤوف | Rauf Raouf Raoof
إله | Ilah Elah
قدوس | Quddus Qudus Kaddous
مالك | Malik Malek
"""


@dataclass(frozen=True, slots=True)
class Lexeme:
    """A name the lexicon knows: its folded Arabic, folded Latin, code and key."""

    arabic: str
    latin: str
    code: str
    key: str
    spellings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Names by the phonetic fold of their Latin spellings and by their folded Arabic."""

    by_latin: dict[str, Lexeme]
    by_arabic: dict[str, Lexeme]
    ambiguous: frozenset[str]
    withheld: frozenset[str]  # spellings, lower case, that name no lexicon entry


def _lexicon(rows: str) -> Lexicon:
    # A name may take several lines: its spellings are gathered first.
    spellings_of: dict[str, list[str]] = {}
    written: dict[str, str] = {}
    withheld: set[str] = set()
    for line in rows.strip().splitlines():
        arabic_text, spellings_text = line.split("|")
        folded = "".join(clean(arabic_text).split())
        written.setdefault(folded, "".join(clean_keeping_maqsura(arabic_text).split()))
        spellings_of.setdefault(folded, []).extend(
            s for s in spellings_text.split() if not s.endswith("_"))
        withheld.update(clean(s[:-1]) for s in spellings_text.split() if s.endswith("_"))
    by_latin: dict[str, Lexeme] = {}
    by_arabic: dict[str, Lexeme] = {}
    ambiguous: set[str] = set()
    for folded, spellings in spellings_of.items():
        lexeme = Lexeme(folded, phonetic(clean(spellings[0])), precise_code(written[folded]),
                        key_of(arabic_code(folded)), tuple(spellings))
        by_arabic[folded] = lexeme
        for spelling in spellings:
            key = phonetic(clean(spelling))
            other = by_latin.setdefault(key, lexeme)
            if other.arabic != folded:
                ambiguous.add(key)
    for key in ambiguous:
        del by_latin[key]
    return Lexicon(by_latin, by_arabic, frozenset(ambiguous), frozenset(withheld))


LEXICON = _lexicon(NAMES)
ABD_LEXICON = _lexicon(ABD_NOUNS)
AMBIGUOUS = LEXICON.ambiguous | ABD_LEXICON.ambiguous
